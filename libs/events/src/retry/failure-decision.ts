import type { ErrorClass } from '../interfaces/events-module-options.interface.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import { NonRetryableError } from '../errors/non-retryable.error.js';
import { backoffDelay } from './backoff.js';

export type DeadLetterReason = 'non-retryable' | 'max-attempts' | 'undecodable' | 'redelivery-limit' | 'invalid';

/** The one decision every failed delivery goes through: retry later, or park in the DLQ. Never requeue. */
export type FailureDecision =
  | { action: 'retry'; delayMs: number; nextAttempt: number }
  | { action: 'dead-letter'; reason: DeadLetterReason };

export interface FailureInput {
  error: unknown;
  /** The attempt that failed (1-based). */
  attempt: number;
  policy: RetryPolicy;
  nonRetryableErrors?: ErrorClass[];
  /** Why it failed when not by a thrown error (e.g. a redelivery after a consumer crash). */
  kind?: 'error' | 'redelivered';
  random?: () => number;
}

export function isNonRetryable(error: unknown, classes: ErrorClass[] = []): boolean {
  if (error instanceof NonRetryableError) return true;
  return classes.some((c) => error instanceof c);
}

export function decideOnFailure(input: FailureInput): FailureDecision {
  if (input.kind !== 'redelivered' && isNonRetryable(input.error, input.nonRetryableErrors)) {
    return { action: 'dead-letter', reason: 'non-retryable' };
  }
  if (input.attempt >= input.policy.maxAttempts) {
    return { action: 'dead-letter', reason: input.kind === 'redelivered' ? 'redelivery-limit' : 'max-attempts' };
  }
  return {
    action: 'retry',
    delayMs: backoffDelay(input.policy, input.attempt, input.random),
    nextAttempt: input.attempt + 1,
  };
}
