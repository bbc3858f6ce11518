import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('hands out the burst at once, then one token per 1/rate seconds, in call order', () => {
    let now = 0;
    const b = new TokenBucket(10, 3, () => now);
    expect([b.reserve(), b.reserve(), b.reserve()]).toEqual([0, 0, 0]);
    expect(b.reserve()).toBeCloseTo(100);
    expect(b.reserve()).toBeCloseTo(200); // queued behind the previous reservation
    now = 1000; // a second later: 10 tokens minus the 2 reserved ahead, capped at the burst
    expect(b.reserve()).toBe(0);
  });

  it('refuses (takes nothing) when the wait would exceed maxWaitMs', () => {
    let now = 0;
    const b = new TokenBucket(2, 1, () => now);
    expect(b.reserve(0)).toBe(0);
    expect(b.reserve(100)).toBeUndefined();
    now = 500;
    expect(b.reserve(0)).toBe(0);
  });

  it('holds the long-run rate: n tokens take (n - burst) / rate seconds', () => {
    const now = 0;
    const b = new TokenBucket(50, 5, () => now);
    let last = 0;
    for (let i = 0; i < 505; i++) last = b.reserve()!;
    expect(last).toBeCloseTo(((505 - 5) * 1000) / 50, 5);
  });
});
