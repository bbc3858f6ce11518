import type { ErrorClass } from '../interfaces/events-module-options.interface.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import { EventValidationError } from '../errors/event-validation.error.js';
import { NonRetryableError } from '../errors/non-retryable.error.js';
import { TransientError } from '../errors/transient.error.js';
import { backoffDelay } from './backoff.js';

export type DeadLetterReason =
  'non-retryable' | 'max-attempts' | 'undecodable' | 'redelivery-limit' | 'invalid';

/**
 * The one decision every failed delivery goes through: retry later (counted), postpone (the same
 * attempt later, not counted: the infrastructure failed, not the handler), or park in the DLQ.
 * Never a requeue loop.
 */
export type FailureDecision =
  | { action: 'retry'; delayMs: number; nextAttempt: number }
  | { action: 'postpone'; delayMs: number }
  | { action: 'dead-letter'; reason: DeadLetterReason };

/**
 * How the delivery failed: the handler threw (`error`), the broker redelivered a message whose consumer
 * died (`redelivered`), or the message could not be decoded (`undecodable`).
 */
export type FailureKind = 'error' | 'redelivered' | 'undecodable';

export interface FailureInput {
  error: unknown;
  /** The attempt that failed (1-based). */
  attempt: number;
  policy: RetryPolicy;
  nonRetryableErrors?: ErrorClass[];
  /** More errors that no retry can fix (e.g. an RPC error the caller must see at once). */
  isPermanent?: (error: unknown) => boolean;
  kind?: FailureKind;
  /** Pause before a postponed attempt. @default 1000 */
  postponeMs?: number;
  random?: () => number;
}

interface HttpLike {
  getStatus(): number;
}

function httpStatus(error: unknown): number | undefined {
  const e = error as Partial<HttpLike> | null;
  if (e === null || typeof e !== 'object' || typeof e.getStatus !== 'function') return undefined;
  const s = e.getStatus();
  return typeof s === 'number' ? s : undefined;
}

/**
 * A payload the handler refused as invalid: EventValidationError, or what Nest's ValidationPipe
 * throws (an HttpException with status 400 or 422).
 */
export function isInvalidPayload(error: unknown): boolean {
  if (error instanceof EventValidationError) return true;
  const status = httpStatus(error);
  return status === 400 || status === 422;
}

export function isNonRetryable(error: unknown, classes: ErrorClass[] = []): boolean {
  if (error instanceof NonRetryableError) return true;
  if (classes.some((c) => error instanceof c)) return true;
  // an HTTP-style client error from Nest's pipeline (a guard's 403, ...) will not change on a retry
  const status = httpStatus(error);
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

export function decideOnFailure(input: FailureInput): FailureDecision {
  const kind = input.kind ?? 'error';
  if (kind === 'undecodable') return { action: 'dead-letter', reason: 'undecodable' };
  if (kind === 'error') {
    if (input.error instanceof TransientError)
      return { action: 'postpone', delayMs: input.postponeMs ?? 1000 };
    if (isInvalidPayload(input.error)) return { action: 'dead-letter', reason: 'invalid' };
    if (isNonRetryable(input.error, input.nonRetryableErrors) || input.isPermanent?.(input.error)) {
      return { action: 'dead-letter', reason: 'non-retryable' };
    }
  }
  if (input.attempt >= input.policy.maxAttempts) {
    return { action: 'dead-letter', reason: kind === 'redelivered' ? 'redelivery-limit' : 'max-attempts' };
  }
  return {
    action: 'retry',
    delayMs: backoffDelay(input.policy, input.attempt, input.random),
    nextAttempt: input.attempt + 1,
  };
}
