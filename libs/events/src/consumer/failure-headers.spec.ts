import { hostname } from 'node:os';
import { HEADERS } from '../constants.js';
import { type FailureInfo, deadLetterHeaders } from './failure-headers.js';

const info = (f: Partial<FailureInfo> = {}): FailureInfo => ({
  reason: 'max-attempts',
  error: new TypeError('total must be positive'),
  attempts: 3,
  handler: 'OrderHandlers.onCreated',
  queue: 'billing.OrderHandlers.onCreated',
  originalExchange: 'events',
  originalRoutingKey: 'Order.created',
  firstFailureAt: '2024-01-01T00:00:00.000Z',
  now: '2024-01-01T00:00:07.000Z',
  ...f,
});

const ALL_HEADERS = [
  HEADERS.deadLetterReason,
  HEADERS.errorName,
  HEADERS.errorMessage,
  HEADERS.errorStack,
  HEADERS.attempts,
  HEADERS.originalExchange,
  HEADERS.originalRoutingKey,
  HEADERS.originalQueue,
  HEADERS.handler,
  HEADERS.firstFailureAt,
  HEADERS.failedAt,
  HEADERS.host,
];

describe('deadLetterHeaders', () => {
  it('sets every dead-letter header from the failure', () => {
    const error = new TypeError('total must be positive');
    const h = deadLetterHeaders(info({ error }));
    expect(h).toEqual({
      'x-dead-letter-reason': 'max-attempts',
      'x-error-name': 'TypeError',
      'x-error-message': 'total must be positive',
      'x-error-stack': error.stack,
      'x-attempts': 3,
      'x-original-exchange': 'events',
      'x-original-routing-key': 'Order.created',
      'x-original-queue': 'billing.OrderHandlers.onCreated',
      'x-handler': 'OrderHandlers.onCreated',
      'x-first-failure-at': '2024-01-01T00:00:00.000Z',
      'x-failed-at': '2024-01-01T00:00:07.000Z',
      'x-host': hostname(),
    });
  });

  it('uses the subclass name of a custom error', () => {
    class PaymentDeclinedError extends Error {
      override name = 'PaymentDeclinedError';
    }
    expect(deadLetterHeaders(info({ error: new PaymentDeclinedError('no funds') }))[HEADERS.errorName]).toBe(
      'PaymentDeclinedError',
    );
  });

  it('truncates a long message to 1000 characters and says so', () => {
    const h = deadLetterHeaders(info({ error: new Error('m'.repeat(5000)) }));
    const message = h[HEADERS.errorMessage] as string;
    expect(message.startsWith('m'.repeat(1000))).toBe(true);
    expect(message).not.toContain('m'.repeat(1001));
    expect(message.endsWith('…(truncated)')).toBe(true);
  });

  it('truncates a long stack to 2000 characters and says so', () => {
    const error = new Error('deep');
    error.stack = `Error: deep\n${'    at frame (file.ts:1:1)\n'.repeat(500)}`;
    const stack = deadLetterHeaders(info({ error }))[HEADERS.errorStack] as string;
    expect(stack.length).toBe(2000 + '…(truncated)'.length);
    expect(stack.startsWith('Error: deep\n')).toBe(true);
    expect(stack.endsWith('…(truncated)')).toBe(true);
  });

  it('does not mark short values as truncated', () => {
    const h = deadLetterHeaders(info({ error: new Error('m'.repeat(1000)) }));
    expect(h[HEADERS.errorMessage]).toBe('m'.repeat(1000));
  });

  it('truncates a long error name to 200 characters', () => {
    const error = new Error('x');
    error.name = 'N'.repeat(300);
    expect(
      (deadLetterHeaders(info({ error }))[HEADERS.errorName] as string).startsWith('N'.repeat(200)),
    ).toBe(true);
    expect(deadLetterHeaders(info({ error }))[HEADERS.errorName]).not.toContain('N'.repeat(201));
  });

  it('falls back to Error for an empty name and an empty stack when there is none', () => {
    const error = new Error('x');
    error.name = '';
    error.stack = undefined;
    const h = deadLetterHeaders(info({ error }));
    expect(h[HEADERS.errorName]).toBe('Error');
    expect(h[HEADERS.errorStack]).toBe('');
  });

  it.each<[string, unknown, string]>([
    ['a string', 'plain failure', 'plain failure'],
    ['an object', { code: 'E42' }, '{"code":"E42"}'],
    ['a number', 7, '7'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a BigInt', 10n, '10'],
  ])('describes a thrown non-error (%s) with every header present', (_, error, message) => {
    const h = deadLetterHeaders(info({ error }));
    for (const name of ALL_HEADERS) expect(h).toHaveProperty([name]);
    expect(h[HEADERS.errorMessage]).toBe(message);
    expect(h[HEADERS.errorName]).toBe('Error');
  });

  it('describes a thrown circular object without throwing', () => {
    const error: Record<string, unknown> = { code: 'LOOP' };
    error.self = error;
    const h = deadLetterHeaders(info({ error }));
    for (const name of ALL_HEADERS) expect(h).toHaveProperty([name]);
    expect(typeof h[HEADERS.errorMessage]).toBe('string');
  });

  it('describes a thrown null-prototype circular object without throwing', () => {
    const error = Object.create(null) as Record<string, unknown>;
    error.self = error;
    expect(deadLetterHeaders(info({ error }))[HEADERS.errorMessage]).toBe('[object Object]');
  });

  it('truncates a huge thrown non-error too', () => {
    const h = deadLetterHeaders(info({ error: { blob: 'b'.repeat(10_000) } }));
    expect((h[HEADERS.errorMessage] as string).length).toBe(1000 + '…(truncated)'.length);
  });

  it('carries every dead-letter reason through unchanged', () => {
    for (const reason of [
      'non-retryable',
      'max-attempts',
      'undecodable',
      'redelivery-limit',
      'invalid',
    ] as const) {
      expect(deadLetterHeaders(info({ reason }))[HEADERS.deadLetterReason]).toBe(reason);
    }
  });

  it('only produces string and number values (valid AMQP header values)', () => {
    for (const v of Object.values(deadLetterHeaders(info())))
      expect(['string', 'number']).toContain(typeof v);
  });
});
