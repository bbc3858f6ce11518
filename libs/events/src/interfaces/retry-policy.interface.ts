export type BackoffKind = 'fixed' | 'linear' | 'exponential';

/** How often and how far apart a failing handler is retried. */
export interface RetryPolicy {
  /** Total attempts including the first. 1 = no retry. @default 3 */
  maxAttempts: number;
  /** fixed: d; linear: d·n; exponential: d·2^(n-1) (n = failed attempt). @default 'exponential' */
  backoff: BackoffKind;
  /** d above, in ms. @default 1000 */
  initialDelayMs: number;
  /** Upper bound of one delay, in ms. @default 60000 */
  maxDelayMs: number;
  /**
   * Spread: a delay is shortened by a random fraction in [0, jitter] (true = 0.2). Jitter never
   * lengthens a delay past maxDelayMs. @default 0
   */
  jitter: number | boolean;
}
