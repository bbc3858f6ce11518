import { MAX_DELAY_MS } from '../constants.js';
import { EventValidationError } from '../errors/event-validation.error.js';
import { EventsError } from '../errors/events.error.js';
import type { HeaderValue, PublishOptions } from '../interfaces/publish-options.interface.js';
import { serializePayload, validateHeaders, validatePublish } from './publish-validation.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function validationError(fn: () => unknown): EventValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EventValidationError);
    expect(e).toBeInstanceOf(EventsError);
    return e as EventValidationError;
  }
  throw new Error('expected an EventValidationError');
}

/** Deliberately wrong values, as untyped callers could pass them. */
const loose = (o: Record<string, unknown>): PublishOptions => o as PublishOptions;

describe('validatePublish', () => {
  it('defaults priority to 5 and delay to 0', () => {
    expect(validatePublish('Order.created', {})).toEqual({ priority: 5, delay: 0 });
  });

  it('returns the priority and delay given', () => {
    expect(validatePublish('Order.created', { priority: 10, delay: 1500 })).toEqual({
      priority: 10,
      delay: 1500,
    });
    expect(validatePublish('Order.created', { priority: 0 })).toEqual({ priority: 0, delay: 0 });
  });

  describe('event type', () => {
    it.each(['', 'Order.*', 'Order.#', 'Order..created', '.Order', 'Order created', 'a'.repeat(256)])(
      'rejects %p',
      (type) => {
        const e = validationError(() => validatePublish(type, {}));
        expect(e.field).toBe('event type');
      },
    );

    it('rejects a non-string type without putting it in eventType', () => {
      const e = validationError(() => validatePublish(42 as unknown as string, {}));
      expect(e.field).toBe('event type');
      expect(e.eventType).toBeUndefined();
    });

    it('names the type and the problem in the message', () => {
      expect(validationError(() => validatePublish('Order.*', {})).message).toMatch(
        /Order\.\*.*no wildcards/,
      );
    });
  });

  describe('priority', () => {
    it.each([0, 1, 5, 9, 10])('accepts %p', (priority) => {
      expect(validatePublish('T', { priority }).priority).toBe(priority);
    });

    it.each([-1, 11, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '5', true])('rejects %p', (priority) => {
      const e = validationError(() => validatePublish('Order.created', loose({ priority })));
      expect(e.field).toBe('priority');
      expect(e.eventType).toBe('Order.created');
      expect(e.message).toContain('from 0 to 10');
    });
  });

  describe('delay', () => {
    it.each([0, 1, 0.5, 1000, 30 * 24 * 3600 * 1000, MAX_DELAY_MS])('accepts %p ms', (delay) => {
      expect(validatePublish('T', { delay }).delay).toBe(delay);
    });

    it.each([-1, MAX_DELAY_MS + 1, Number.NaN, Number.POSITIVE_INFINITY, '1000', true])(
      'rejects %p',
      (delay) => {
        expect(validationError(() => validatePublish('T', loose({ delay }))).field).toBe('delay');
      },
    );
  });

  it('treats a null priority or delay like an unset one (defaults)', () => {
    expect(validatePublish('T', loose({ priority: null, delay: null }))).toEqual({ priority: 5, delay: 0 });
  });

  describe('id, correlationId, causationId, source, traceparent', () => {
    it.each(['id', 'correlationId', 'causationId', 'source'])('accepts a %s of 1..255 bytes', (field) => {
      expect(() => validatePublish('T', { [field]: 'x' })).not.toThrow();
      expect(() => validatePublish('T', { [field]: 'x'.repeat(255) })).not.toThrow();
    });

    it.each(['id', 'correlationId', 'causationId', 'source', 'traceparent'])(
      'rejects an empty, over-long or non-string %s',
      (field) => {
        for (const value of ['', 'x'.repeat(256), 'é'.repeat(128), 42, {}]) {
          const e = validationError(() => validatePublish('T', loose({ [field]: value })));
          expect(e.field).toBe(field);
        }
      },
    );
  });

  describe('traceparent', () => {
    it('accepts a W3C traceparent', () => {
      expect(() => validatePublish('T', { traceparent: TRACEPARENT })).not.toThrow();
    });

    it.each([
      'not-a-traceparent',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331', // no flags
      '00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01', // upper case
      '00-0af7651916cd43dd8448eb211c80319-b7ad6b7169203331-01', // short trace id
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-01', // short span id
      '0-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      ` ${TRACEPARENT}`,
      `${TRACEPARENT}-extra`,
      '00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01',
    ])('rejects %p', (traceparent) => {
      const e = validationError(() => validatePublish('T', { traceparent }));
      expect(e.field).toBe('traceparent');
    });
  });
});

describe('validateHeaders', () => {
  it('returns an empty object for undefined', () => {
    expect(validateHeaders('T', undefined)).toEqual({});
  });

  it('keeps valid application headers', () => {
    const headers = { tenant: 'acme', count: 3, ok: true, none: null, 'x-request-id': 'r-1' };
    expect(validateHeaders('T', headers)).toEqual(headers);
  });

  it('strips reserved library and broker headers instead of sending them', () => {
    expect(
      validateHeaders('T', {
        tenant: 'acme',
        CC: 'other.key',
        BCC: 'other.key',
        'x-death': 'x',
        'x-first-death-queue': 'q',
        'cloudEvents:type': 'Evil',
        'nae-delay-target': 'publish',
        'x-attempt': 9,
        traceparent: TRACEPARENT,
        'x-causation-id': 'c',
        'x-retry-policy': '{}',
        'x-delivery-count': 1,
      }),
    ).toEqual({ tenant: 'acme' });
  });

  it('does not check the values of stripped headers', () => {
    expect(validateHeaders('T', { 'x-death': { a: 1 } as unknown as HeaderValue })).toEqual({});
  });

  it.each([
    ['an object value', { h: { a: 1 } }],
    ['an array value', { h: [1, 2] }],
    ['an undefined value', { h: undefined }],
    ['a NaN value', { h: Number.NaN }],
    ['an infinite value', { h: Number.NEGATIVE_INFINITY }],
    ['a BigInt value', { h: 1n }],
    ['a string over 16 KiB', { h: 'x'.repeat(16_385) }],
    ['an empty name', { '': 'v' }],
    ['a name over 255 bytes', { ['n'.repeat(256)]: 'v' }],
  ])('rejects %s with an EventValidationError', (_, headers) => {
    const e = validationError(() =>
      validateHeaders('Order.created', headers as unknown as Record<string, HeaderValue>),
    );
    expect(e.field).toBe('headers');
    expect(e.eventType).toBe('Order.created');
  });

  it('rejects headers that are not an object', () => {
    for (const headers of [null, 'tenant=acme', 5]) {
      expect(
        validationError(() => validateHeaders('T', headers as unknown as Record<string, HeaderValue>)).field,
      ).toBe('headers');
    }
  });

  it('returns a new object', () => {
    const input = { a: 'b' };
    expect(validateHeaders('T', input)).not.toBe(input);
  });
});

describe('serializePayload', () => {
  it('serializes JSON values to UTF-8 bytes', () => {
    expect(serializePayload('T', { a: 1, b: [true, null], s: 'x' }, 1000).toString('utf8')).toBe(
      '{"a":1,"b":[true,null],"s":"x"}',
    );
    expect(serializePayload('T', null, 10).toString()).toBe('null');
    expect(serializePayload('T', 0, 10).toString()).toBe('0');
    expect(serializePayload('T', '', 10).toString()).toBe('""');
  });

  it('sends dates as ISO strings', () => {
    expect(serializePayload('T', { at: new Date('2024-01-02T03:04:05.678Z') }, 100).toString()).toBe(
      '{"at":"2024-01-02T03:04:05.678Z"}',
    );
  });

  it.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
  ])('rejects %s', (_, data) => {
    const e = validationError(() => serializePayload('Order.created', data, 1000));
    expect(e.field).toBe('payload');
    expect(e.eventType).toBe('Order.created');
    expect(e.message).toMatch(/cannot be serialized/);
  });

  it('rejects a BigInt, also nested', () => {
    expect(validationError(() => serializePayload('T', 1n, 1000)).field).toBe('payload');
    expect(validationError(() => serializePayload('T', { amount: 10n }, 1000)).message).toMatch(
      /cannot be serialized.*BigInt/i,
    );
  });

  it('rejects a circular structure', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(validationError(() => serializePayload('T', a, 1000)).message).toMatch(/cannot be serialized/);
  });

  it('enforces the size limit in bytes, not characters', () => {
    const ascii = 'a'.repeat(8); // "aaaaaaaa" = 10 bytes with quotes
    expect(serializePayload('T', ascii, 10)).toHaveLength(10);
    expect(validationError(() => serializePayload('T', ascii, 9)).message).toMatch(
      /10 bytes, over the maxPayloadBytes limit of 9/,
    );

    const multibyte = '€'.repeat(3); // 3 chars, 9 bytes + 2 quotes = 11 bytes
    expect(serializePayload('T', multibyte, 11)).toHaveLength(11);
    const e = validationError(() => serializePayload('T', multibyte, 10));
    expect(e.message).toContain('11 bytes');

    const emoji = { e: '🚀' }; // {"e":"🚀"} = 8 + 4 bytes
    expect(serializePayload('T', emoji, 12)).toHaveLength(12);
    expect(() => serializePayload('T', emoji, 11)).toThrow(EventValidationError);
  });
});
