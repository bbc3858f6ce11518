import { RateLimitExceededError } from '../errors/rate-limit-exceeded.error.js';
import type { ResolvedRateLimit } from '../options/resolved-options.js';
import { matchesPattern } from '../routing/routing-pattern.js';
import { TokenBucket } from './token-bucket.js';

/**
 * The publisher's rate limit: one bucket for the bus and one per configured type pattern. `acquire()`
 * returns undefined when the publish may go now (the hot path allocates nothing), a promise that
 * resolves at its slot (`whenLimited: 'wait'`), or one that rejects with RateLimitExceededError.
 */
export class PublishRateLimiter {
  private readonly all: TokenBucket;
  private readonly byPattern: Array<{ pattern: string; bucket: TokenBucket; label: string }>;
  private readonly typeCache = new Map<string, { bucket: TokenBucket; label: string } | null>();

  constructor(private readonly limit: ResolvedRateLimit) {
    this.all = new TokenBucket(limit.perSecond, limit.burst);
    this.byPattern = limit.types.map((t) => ({
      pattern: t.pattern,
      bucket: new TokenBucket(t.perSecond, t.burst),
      label: `${t.perSecond}/s for "${t.pattern}"`,
    }));
  }

  acquire(type: string): Promise<void> | undefined {
    const max = this.limit.whenLimited === 'fail' ? 0 : this.limit.maxWaitMs;
    const forType = this.forType(type);
    const typeWait = forType ? forType.bucket.reserve(max) : 0;
    if (typeWait === undefined) return Promise.reject(new RateLimitExceededError(type, forType!.label, max));
    const allWait = this.all.reserve(max);
    if (allWait === undefined)
      return Promise.reject(new RateLimitExceededError(type, `${this.limit.perSecond}/s`, max));
    const wait = Math.max(typeWait, allWait);
    if (wait <= 0) return undefined;
    return new Promise((resolve) => setTimeout(resolve, wait));
  }

  private forType(type: string): { bucket: TokenBucket; label: string } | undefined {
    if (this.byPattern.length === 0) return undefined;
    let hit = this.typeCache.get(type);
    if (hit === undefined) {
      hit = this.byPattern.find((p) => matchesPattern(p.pattern, type)) ?? null;
      if (this.typeCache.size < 10_000) this.typeCache.set(type, hit);
    }
    return hit ?? undefined;
  }
}
