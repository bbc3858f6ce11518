/**
 * A token bucket: `perSecond` tokens a second, at most `burst` saved up. `reserve()` takes a token now
 * and returns how long the caller must wait before using it (0 when one was there); reservations are
 * served in call order, so concurrent publishers share the rate fairly. Pure: time comes from `now`.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Ms until a token taken now may be used, or undefined when that is more than `maxWaitMs` (nothing taken). */
  reserve(maxWaitMs = Infinity): number | undefined {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.perSecond) / 1000);
    this.last = t;
    const wait = this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.perSecond;
    if (wait > maxWaitMs) return undefined;
    this.tokens -= 1;
    return wait;
  }
}
