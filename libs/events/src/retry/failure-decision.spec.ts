import { NonRetryableError } from '../errors/non-retryable.error.js';
import { TransientError } from '../errors/transient.error.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import { decideOnFailure, isNonRetryable } from './failure-decision.js';

const policy = (p: Partial<RetryPolicy> = {}): RetryPolicy => ({
  maxAttempts: 3,
  backoff: 'exponential',
  initialDelayMs: 1000,
  maxDelayMs: 60_000,
  jitter: 0,
  ...p,
});

class PaymentDeclinedError extends Error {}
class SpecificDeclineError extends PaymentDeclinedError {}
class ValidationFailed extends NonRetryableError {}

describe('isNonRetryable', () => {
  it('is true for NonRetryableError and its subclasses', () => {
    expect(isNonRetryable(new NonRetryableError('no'))).toBe(true);
    expect(isNonRetryable(new ValidationFailed('no'))).toBe(true);
  });

  it('is true for configured classes and their subclasses', () => {
    expect(isNonRetryable(new PaymentDeclinedError('x'), [PaymentDeclinedError])).toBe(true);
    expect(isNonRetryable(new SpecificDeclineError('x'), [PaymentDeclinedError])).toBe(true);
  });

  it('is false for other errors and for thrown non-errors', () => {
    expect(isNonRetryable(new Error('x'), [PaymentDeclinedError])).toBe(false);
    expect(isNonRetryable(new TransientError('x'))).toBe(false);
    expect(isNonRetryable('NonRetryableError')).toBe(false);
    expect(isNonRetryable(undefined)).toBe(false);
    expect(isNonRetryable({ name: 'NonRetryableError' })).toBe(false);
  });
});

describe('decideOnFailure', () => {
  it('dead-letters a NonRetryableError at once as non-retryable, even on the first of many attempts', () => {
    expect(
      decideOnFailure({
        error: new NonRetryableError('bad input'),
        attempt: 1,
        policy: policy({ maxAttempts: 10 }),
      }),
    ).toEqual({
      action: 'dead-letter',
      reason: 'non-retryable',
    });
  });

  it('dead-letters configured non-retryable classes as non-retryable', () => {
    const d = decideOnFailure({
      error: new SpecificDeclineError('declined'),
      attempt: 1,
      policy: policy(),
      nonRetryableErrors: [PaymentDeclinedError],
    });
    expect(d).toEqual({ action: 'dead-letter', reason: 'non-retryable' });
  });

  it('reports non-retryable rather than max-attempts when both apply', () => {
    expect(
      decideOnFailure({ error: new NonRetryableError('x'), attempt: 3, policy: policy({ maxAttempts: 3 }) }),
    ).toEqual({
      action: 'dead-letter',
      reason: 'non-retryable',
    });
  });

  it('retries an ordinary error with the backoff of the failed attempt and the next attempt number', () => {
    expect(decideOnFailure({ error: new Error('boom'), attempt: 1, policy: policy() })).toEqual({
      action: 'retry',
      delayMs: 1000,
      nextAttempt: 2,
    });
    expect(decideOnFailure({ error: new Error('boom'), attempt: 2, policy: policy() })).toEqual({
      action: 'retry',
      delayMs: 2000,
      nextAttempt: 3,
    });
    expect(
      decideOnFailure({ error: new Error('boom'), attempt: 4, policy: policy({ maxAttempts: 6 }) }),
    ).toEqual({
      action: 'retry',
      delayMs: 8000,
      nextAttempt: 5,
    });
  });

  it('uses the policy kind and cap for the delay', () => {
    expect(
      decideOnFailure({
        error: new Error(),
        attempt: 3,
        policy: policy({ maxAttempts: 5, backoff: 'linear', initialDelayMs: 200 }),
      }),
    ).toMatchObject({
      delayMs: 600,
    });
    expect(
      decideOnFailure({
        error: new Error(),
        attempt: 4,
        policy: policy({ maxAttempts: 9, maxDelayMs: 3000 }),
      }),
    ).toMatchObject({ delayMs: 3000 });
  });

  it('passes the injected random to the jitter', () => {
    const d = decideOnFailure({
      error: new Error(),
      attempt: 2,
      policy: policy({ jitter: 0.5 }),
      random: () => 1,
    });
    expect(d).toEqual({ action: 'retry', delayMs: 1000, nextAttempt: 3 });
  });

  it('retries thrown non-errors like ordinary failures', () => {
    expect(decideOnFailure({ error: 'a string', attempt: 1, policy: policy() })).toMatchObject({
      action: 'retry',
    });
    expect(decideOnFailure({ error: undefined, attempt: 1, policy: policy() })).toMatchObject({
      action: 'retry',
    });
  });

  it('dead-letters with max-attempts when the last attempt failed', () => {
    expect(
      decideOnFailure({ error: new Error('boom'), attempt: 3, policy: policy({ maxAttempts: 3 }) }),
    ).toEqual({
      action: 'dead-letter',
      reason: 'max-attempts',
    });
  });

  it('dead-letters past the last attempt too (never retries beyond maxAttempts)', () => {
    expect(decideOnFailure({ error: new Error(), attempt: 7, policy: policy({ maxAttempts: 3 }) })).toEqual({
      action: 'dead-letter',
      reason: 'max-attempts',
    });
  });

  it('never retries when maxAttempts is 1', () => {
    expect(decideOnFailure({ error: new Error(), attempt: 1, policy: policy({ maxAttempts: 1 }) })).toEqual({
      action: 'dead-letter',
      reason: 'max-attempts',
    });
  });

  describe('a broker redelivery (kind: redelivered)', () => {
    it('dead-letters with redelivery-limit at the last attempt', () => {
      expect(
        decideOnFailure({ error: new Error('crashed'), attempt: 3, policy: policy(), kind: 'redelivered' }),
      ).toEqual({
        action: 'dead-letter',
        reason: 'redelivery-limit',
      });
    });

    it('is retried with backoff before the limit', () => {
      expect(
        decideOnFailure({ error: new Error('crashed'), attempt: 1, policy: policy(), kind: 'redelivered' }),
      ).toEqual({
        action: 'retry',
        delayMs: 1000,
        nextAttempt: 2,
      });
    });

    it('ignores the non-retryable classification of the error', () => {
      expect(
        decideOnFailure({
          error: new NonRetryableError('x'),
          attempt: 1,
          policy: policy(),
          kind: 'redelivered',
        }),
      ).toMatchObject({
        action: 'retry',
        nextAttempt: 2,
      });
      expect(
        decideOnFailure({
          error: new PaymentDeclinedError('x'),
          attempt: 3,
          policy: policy(),
          kind: 'redelivered',
          nonRetryableErrors: [PaymentDeclinedError],
        }),
      ).toEqual({ action: 'dead-letter', reason: 'redelivery-limit' });
    });
  });

  it('treats an explicit kind: error like the default', () => {
    expect(decideOnFailure({ error: new Error(), attempt: 3, policy: policy(), kind: 'error' })).toEqual({
      action: 'dead-letter',
      reason: 'max-attempts',
    });
  });
});

describe('decideOnFailure: postponement, invalid payloads and HTTP-style errors', () => {
  const http = (status: number) => Object.assign(new Error(`status ${status}`), { getStatus: () => status });

  it('postpones a TransientError without counting the attempt, even on the last attempt', () => {
    expect(
      decideOnFailure({
        error: new TransientError('db down'),
        attempt: 3,
        policy: policy(),
        postponeMs: 2500,
      }),
    ).toEqual({ action: 'postpone', delayMs: 2500 });
    expect(decideOnFailure({ error: new TransientError('db down'), attempt: 1, policy: policy() })).toEqual({
      action: 'postpone',
      delayMs: 1000,
    });
  });

  it('parks an undecodable message at once', () => {
    expect(
      decideOnFailure({
        error: new Error('not json'),
        attempt: 1,
        policy: policy({ maxAttempts: 9 }),
        kind: 'undecodable',
      }),
    ).toEqual({ action: 'dead-letter', reason: 'undecodable' });
  });

  it('parks a 400/422 (a ValidationPipe) as invalid and other 4xx as non-retryable; 408, 429 and 5xx retry', () => {
    expect(decideOnFailure({ error: http(400), attempt: 1, policy: policy() })).toEqual({
      action: 'dead-letter',
      reason: 'invalid',
    });
    expect(decideOnFailure({ error: http(422), attempt: 1, policy: policy() })).toEqual({
      action: 'dead-letter',
      reason: 'invalid',
    });
    expect(decideOnFailure({ error: http(403), attempt: 1, policy: policy() })).toEqual({
      action: 'dead-letter',
      reason: 'non-retryable',
    });
    for (const status of [408, 429, 500, 503])
      expect(decideOnFailure({ error: http(status), attempt: 1, policy: policy() }).action).toBe('retry');
  });

  it('parks what isPermanent names as non-retryable', () => {
    expect(
      decideOnFailure({ error: new Error('rpc'), attempt: 1, policy: policy(), isPermanent: () => true }),
    ).toEqual({ action: 'dead-letter', reason: 'non-retryable' });
  });

  it('never treats a redelivery as invalid or transient: it counts', () => {
    expect(
      decideOnFailure({ error: new TransientError('x'), attempt: 3, policy: policy(), kind: 'redelivered' }),
    ).toEqual({ action: 'dead-letter', reason: 'redelivery-limit' });
  });
});
