import { IsoClock } from './iso-clock.js';

describe('IsoClock', () => {
  it('returns the same string as new Date().toISOString() for the current millisecond', () => {
    const clock = new IsoClock();
    for (let i = 0; i < 1000; i++) {
      const before = Date.now();
      const iso = clock.now();
      const after = Date.now();
      const parsed = Date.parse(iso);
      expect(iso).toBe(new Date(parsed).toISOString());
      expect(parsed).toBeGreaterThanOrEqual(before);
      expect(parsed).toBeLessThanOrEqual(after);
    }
  });

  it('moves on when the clock does', async () => {
    const clock = new IsoClock();
    const first = clock.now();
    await new Promise((r) => setTimeout(r, 5));
    expect(Date.parse(clock.now())).toBeGreaterThan(Date.parse(first));
  });
});
