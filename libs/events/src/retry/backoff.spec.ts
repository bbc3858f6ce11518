import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import { backoffDelay, backoffSchedule } from './backoff.js';

const policy = (p: Partial<RetryPolicy> = {}): RetryPolicy => ({
  maxAttempts: 5,
  backoff: 'exponential',
  initialDelayMs: 1000,
  maxDelayMs: 60_000,
  jitter: 0,
  ...p,
});

describe('backoffDelay', () => {
  it('fixed: waits initialDelayMs after every failed attempt', () => {
    const p = policy({ backoff: 'fixed', initialDelayMs: 1500 });
    expect([1, 2, 3, 10].map((n) => backoffDelay(p, n))).toEqual([1500, 1500, 1500, 1500]);
  });

  it('linear: waits d·n after failed attempt n', () => {
    const p = policy({ backoff: 'linear', initialDelayMs: 1000 });
    expect([1, 2, 3, 4].map((n) => backoffDelay(p, n))).toEqual([1000, 2000, 3000, 4000]);
  });

  it('exponential: waits 1 s, 2 s, 4 s, 8 s ... (d·2^(n-1))', () => {
    const p = policy();
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(p, n))).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it('caps every kind at maxDelayMs', () => {
    expect(backoffDelay(policy({ maxDelayMs: 5000 }), 4)).toBe(5000);
    expect(backoffDelay(policy({ maxDelayMs: 5000 }), 3)).toBe(4000);
    expect(backoffDelay(policy({ backoff: 'linear', maxDelayMs: 2500 }), 3)).toBe(2500);
    expect(backoffDelay(policy({ backoff: 'fixed', initialDelayMs: 9000, maxDelayMs: 2500 }), 1)).toBe(2500);
  });

  it('stays finite and capped for very large attempt numbers', () => {
    expect(backoffDelay(policy({ maxDelayMs: 60_000 }), 1000)).toBe(60_000);
    expect(backoffDelay(policy({ maxDelayMs: 60_000 }), Number.MAX_SAFE_INTEGER)).toBe(60_000);
  });

  it('treats an attempt below 1 as the first failed attempt', () => {
    expect(backoffDelay(policy(), 0)).toBe(1000);
    expect(backoffDelay(policy({ backoff: 'linear' }), -3)).toBe(1000);
  });

  it('returns 0 when initialDelayMs is 0', () => {
    expect(backoffDelay(policy({ initialDelayMs: 0 }), 3)).toBe(0);
  });

  it('returns whole milliseconds', () => {
    const d = backoffDelay(policy({ initialDelayMs: 1000, jitter: 0.3 }), 1, () => 0.123456);
    expect(Number.isInteger(d)).toBe(true);
  });

  describe('jitter', () => {
    it('does not touch the delay when jitter is 0 or false (random is not consulted)', () => {
      let calls = 0;
      const random = () => {
        calls++;
        return 0.9;
      };
      expect(backoffDelay(policy({ jitter: 0 }), 2, random)).toBe(2000);
      expect(backoffDelay(policy({ jitter: false }), 2, random)).toBe(2000);
      expect(calls).toBe(0);
    });

    it('shortens by jitter × random: random 0 keeps the full delay, random 1 removes the whole fraction', () => {
      const p = policy({ jitter: 0.5 });
      expect(backoffDelay(p, 3, () => 0)).toBe(4000);
      expect(backoffDelay(p, 3, () => 0.5)).toBe(3000);
      expect(backoffDelay(p, 3, () => 0.999999)).toBe(2000);
    });

    it('jitter: true means a 20 % spread', () => {
      expect(backoffDelay(policy({ jitter: true }), 1, () => 1)).toBe(800);
      expect(backoffDelay(policy({ jitter: true }), 1, () => 0)).toBe(1000);
    });

    it('applies after the cap, so it never exceeds maxDelayMs and never goes negative', () => {
      const p = policy({ jitter: 1, maxDelayMs: 5000 });
      for (let i = 0; i <= 100; i++) {
        const r = i / 100;
        for (const n of [1, 3, 4, 10, 50]) {
          const d = backoffDelay(p, n, () => r);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(Math.min(5000, 1000 * 2 ** (n - 1)));
        }
      }
    });

    it('only ever shortens: every kind with any random value stays within [delay·(1-jitter), delay]', () => {
      for (const backoff of ['fixed', 'linear', 'exponential'] as const) {
        const p = policy({ backoff, jitter: 0.25, maxDelayMs: 7000 });
        for (let n = 1; n <= 6; n++) {
          const full = backoffDelay({ ...p, jitter: 0 }, n);
          for (const r of [0, 0.1, 0.5, 0.9, 0.9999]) {
            const d = backoffDelay(p, n, () => r);
            expect(d).toBeLessThanOrEqual(full);
            expect(d).toBeGreaterThanOrEqual(Math.floor(full * 0.75));
          }
        }
      }
    });

    it('uses Math.random by default and stays within bounds', () => {
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(policy({ jitter: 0.5 }), 2);
        expect(d).toBeGreaterThanOrEqual(1000);
        expect(d).toBeLessThanOrEqual(2000);
      }
    });
  });
});

describe('backoffSchedule', () => {
  it('lists the delays before attempts 2..maxAttempts', () => {
    expect(backoffSchedule(policy({ maxAttempts: 5 }))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffSchedule(policy({ maxAttempts: 4, backoff: 'linear', initialDelayMs: 500 }))).toEqual([
      500, 1000, 1500,
    ]);
    expect(backoffSchedule(policy({ maxAttempts: 3, backoff: 'fixed', initialDelayMs: 250 }))).toEqual([
      250, 250,
    ]);
  });

  it('is empty when maxAttempts is 1 (no retry)', () => {
    expect(backoffSchedule(policy({ maxAttempts: 1 }))).toEqual([]);
  });

  it('is capped by maxDelayMs', () => {
    expect(backoffSchedule(policy({ maxAttempts: 8, maxDelayMs: 10_000 }))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
  });

  it('ignores jitter so the schedule is deterministic', () => {
    const p = policy({ maxAttempts: 4, jitter: 1 });
    expect(backoffSchedule(p)).toEqual([1000, 2000, 4000]);
    expect(backoffSchedule(p)).toEqual(backoffSchedule(p));
  });

  it('matches the default policy of 3 attempts, exponential from 1 s', () => {
    expect(backoffSchedule(policy({ maxAttempts: 3 }))).toEqual([1000, 2000]);
  });
});
