import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';

/**
 * Delay before the attempt after `failedAttempt` (1-based): fixed d, linear d·n, exponential d·2^(n-1),
 * capped by maxDelayMs, then shortened by up to `jitter` (a fraction) when jitter is set.
 */
export function backoffDelay(
  policy: RetryPolicy,
  failedAttempt: number,
  random: () => number = Math.random,
): number {
  const d = policy.initialDelayMs;
  const n = Math.max(1, failedAttempt);
  let delay: number;
  switch (policy.backoff) {
    case 'fixed':
      delay = d;
      break;
    case 'linear':
      delay = d * n;
      break;
    case 'exponential':
      delay = d * 2 ** Math.min(n - 1, 52);
      break;
  }
  delay = Math.min(delay, policy.maxDelayMs);
  const jitter = policy.jitter === true ? 0.2 : policy.jitter === false ? 0 : policy.jitter;
  if (jitter > 0) delay = delay * (1 - jitter * random());
  return Math.max(0, Math.round(delay));
}

/** The whole schedule: delays before attempts 2..maxAttempts (without jitter). */
export function backoffSchedule(policy: RetryPolicy): number[] {
  const out: number[] = [];
  for (let n = 1; n < policy.maxAttempts; n++) out.push(backoffDelay({ ...policy, jitter: 0 }, n));
  return out;
}
