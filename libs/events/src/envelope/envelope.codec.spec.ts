import { HEADERS } from '../constants.js';
import type { EventEnvelope } from './envelope.js';
import { type IncomingMessage, decodeMessage, encodeEnvelope } from './envelope.codec.js';

const envelope = (e: Partial<EventEnvelope> = {}): EventEnvelope => ({
  id: '0b4e7f7e-3a39-4a0b-9a57-2f2c0f6f8f10',
  type: 'Order.created',
  source: 'billing',
  time: '2024-05-06T07:08:09.123Z',
  data: { orderId: 'o-1', total: 12.5, lines: [{ sku: 'A', qty: 2 }] },
  priority: 8,
  correlationId: 'corr-1',
  causationId: 'cause-1',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  tracestate: 'vendor=1',
  attempt: 2,
  retry: { maxAttempts: 4, backoff: 'linear' },
  headers: { tenant: 'acme', region: 'eu', count: 3, flag: true, none: null },
  ...e,
});

function encode(e: EventEnvelope) {
  const { data, ...rest } = e;
  return encodeEnvelope(rest, Buffer.from(JSON.stringify(data), 'utf8'));
}

const incoming = (
  content: string | Buffer,
  properties: IncomingMessage['properties'] = {},
): IncomingMessage => ({
  content: typeof content === 'string' ? Buffer.from(content, 'utf8') : content,
  properties: { contentType: 'application/json', type: 'Order.created', messageId: 'id-1', ...properties },
});

function reasonOf(msg: IncomingMessage): string {
  const r = decodeMessage(msg);
  if (r.ok) throw new Error('expected a decode failure');
  return r.reason;
}

function encodeWithHeaders(e: EventEnvelope) {
  const { data, ...rest } = e;
  return encodeEnvelope(rest, Buffer.from(JSON.stringify(data), 'utf8'), { cloudEventsHeaders: true });
}

const CE_HEADERS = [HEADERS.ceSpecVersion, HEADERS.ceId, HEADERS.ceSource, HEADERS.ceType, HEADERS.ceTime];

describe('encodeEnvelope (compact: CloudEvents attributes in the AMQP properties)', () => {
  const wire = encode(envelope());

  it('puts the envelope on the AMQP properties', () => {
    expect(wire.properties).toMatchObject({
      messageId: '0b4e7f7e-3a39-4a0b-9a57-2f2c0f6f8f10',
      type: 'Order.created',
      appId: 'billing',
      correlationId: 'corr-1',
      priority: 8,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      persistent: true,
    });
  });

  it('sets the AMQP timestamp in whole seconds', () => {
    expect(wire.properties.timestamp).toBe(Math.floor(Date.parse('2024-05-06T07:08:09.123Z') / 1000));
    expect(wire.properties.timestamp).toBe(1714979289);
  });

  it('writes no cloudEvents:* headers', () => {
    for (const h of CE_HEADERS) expect(wire.properties.headers).not.toHaveProperty(h);
  });

  it('writes trace context, causation, attempt, retry policy and schema version headers when there are any', () => {
    const w = encode(envelope({ schemaVersion: 3 }));
    expect(w.properties.headers).toEqual({
      tenant: 'acme',
      region: 'eu',
      count: 3,
      flag: true,
      none: null,
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'vendor=1',
      'x-causation-id': 'cause-1',
      'x-attempt': 2,
      'x-retry-policy': JSON.stringify({ maxAttempts: 4, backoff: 'linear' }),
      'x-schema-version': 3,
    });
  });

  /** A first attempt with nothing that needs a header. */
  const bare = {
    traceparent: undefined,
    tracestate: undefined,
    causationId: undefined,
    retry: undefined,
    headers: {},
    attempt: 1,
    schemaVersion: 1,
  };

  it('writes no header table for a first attempt with nothing to carry', () => {
    const w = encode(envelope(bare));
    expect(w.properties.headers).toBeUndefined();
    expect('headers' in w.properties && w.properties.headers !== undefined).toBe(false);
  });

  it('writes a header table as soon as one thing needs it (an application header)', () => {
    const w = encode(envelope({ ...bare, headers: { tenant: 'a' } }));
    expect(w.properties.headers).toEqual({ tenant: 'a' });
  });

  it('omits x-attempt on a first attempt (absent means 1) and x-schema-version at 1', () => {
    const w = encode(envelope({ attempt: 1, schemaVersion: 1 }));
    expect(w.properties.headers).not.toHaveProperty(HEADERS.attempt);
    expect(w.properties.headers).not.toHaveProperty(HEADERS.schemaVersion);
  });

  it('carries the content unchanged', () => {
    expect(JSON.parse(wire.content.toString('utf8'))).toEqual(envelope().data);
  });
});

describe("encodeEnvelope with { cloudEventsHeaders: true } (module option cloudEvents: 'headers')", () => {
  const wire = encodeWithHeaders(envelope());

  it('also writes the CloudEvents 1.0 attributes as headers, time with milliseconds', () => {
    expect(wire.properties.headers).toMatchObject({
      'cloudEvents:specversion': '1.0',
      'cloudEvents:id': '0b4e7f7e-3a39-4a0b-9a57-2f2c0f6f8f10',
      'cloudEvents:source': 'billing',
      'cloudEvents:type': 'Order.created',
      'cloudEvents:time': '2024-05-06T07:08:09.123Z',
    });
    expect(wire.properties).toMatchObject({
      messageId: '0b4e7f7e-3a39-4a0b-9a57-2f2c0f6f8f10',
      type: 'Order.created',
      appId: 'billing',
    });
  });

  it('keeps application headers next to the library headers, the library headers winning', () => {
    const w = encodeWithHeaders(
      envelope({
        headers: {
          tenant: 'acme',
          'cloudEvents:type': 'Evil.type',
          'x-attempt': 99,
        } as EventEnvelope['headers'],
      }),
    );
    expect(w.properties.headers).toMatchObject({
      tenant: 'acme',
      'cloudEvents:type': 'Order.created',
      'x-attempt': 2,
    });
  });
});

describe('encodeEnvelope with { userId } (module option recordUserId)', () => {
  it('sends the userId property only when the bus records its user', () => {
    const { data: _data, ...rest } = envelope();
    expect(encodeEnvelope(rest, Buffer.from('{}'), { userId: 'billing-svc' }).properties.userId).toBe(
      'billing-svc',
    );
    expect(encodeEnvelope(rest, Buffer.from('{}')).properties.userId).toBeUndefined();
  });

  it('decodes the userId property into the envelope (and a structured-mode event too)', () => {
    const r = decodeMessage(incoming('{}', { userId: 'orders-svc' }));
    expect(r.ok && r.envelope.userId).toBe('orders-svc');
    const structured = decodeMessage(
      incoming(
        JSON.stringify({ specversion: '1.0', id: 'ce-1', type: 'Order.paid', source: 's', data: {} }),
        {
          contentType: 'application/cloudevents+json',
          userId: Buffer.from('orders-svc'),
        },
      ),
    );
    expect(structured.ok && structured.envelope.userId).toBe('orders-svc');
    const none = decodeMessage(incoming('{}'));
    expect(none.ok && none.envelope.userId).toBeUndefined();
  });
});

describe('decodeMessage', () => {
  it('round-trips an envelope encoded with the CloudEvents headers', () => {
    const original = envelope({ schemaVersion: 2 });
    expect(decodeMessage(encodeWithHeaders(original))).toEqual({ ok: true, envelope: original });
  });

  it('round-trips a compact envelope, time to the second (the AMQP timestamp has no milliseconds)', () => {
    const original = envelope({ schemaVersion: 2 });
    expect(decodeMessage(encode(original))).toEqual({
      ok: true,
      envelope: { ...original, time: '2024-05-06T07:08:09.000Z' },
    });
  });

  it('decodes a message of the previous format (CloudEvents headers and x-attempt: 1 always present)', () => {
    const r = decodeMessage({
      content: Buffer.from('{"orderId":"o-9"}'),
      properties: {
        messageId: 'old-1',
        type: 'Order.created',
        appId: 'billing',
        timestamp: 1714979289,
        priority: 5,
        contentType: 'application/json',
        headers: {
          'cloudEvents:specversion': '1.0',
          'cloudEvents:id': 'old-1',
          'cloudEvents:source': 'billing',
          'cloudEvents:type': 'Order.created',
          'cloudEvents:time': '2024-05-06T07:08:09.456Z',
          'x-attempt': 1,
          tenant: 'acme',
        },
      },
    });
    expect(r).toEqual({
      ok: true,
      envelope: {
        id: 'old-1',
        type: 'Order.created',
        source: 'billing',
        time: '2024-05-06T07:08:09.456Z',
        data: { orderId: 'o-9' },
        priority: 5,
        attempt: 1,
        headers: { tenant: 'acme' },
      },
    });
  });

  it('round-trips a minimal envelope, with defaults for what was not set', () => {
    const original = envelope({
      correlationId: undefined,
      causationId: undefined,
      traceparent: undefined,
      tracestate: undefined,
      retry: undefined,
      headers: {},
      attempt: 1,
      priority: 0,
      data: null,
      time: '2024-05-06T07:08:09.000Z',
    });
    expect(decodeMessage(encode(original))).toEqual({ ok: true, envelope: original });
  });

  it('round-trips multibyte data', () => {
    const original = envelope({ data: { name: 'Zoë — 東京 🚀' } });
    const r = decodeMessage(encode(original));
    expect(r.ok && r.envelope.data).toEqual({ name: 'Zoë — 東京 🚀' });
  });

  it('reads the CloudEvents headers when the AMQP properties are missing (a non-Nest producer)', () => {
    const r = decodeMessage({
      content: Buffer.from('{"a":1}'),
      properties: {
        headers: {
          'cloudEvents:id': 'ce-id',
          'cloudEvents:type': 'Order.shipped',
          'cloudEvents:source': 'legacy',
          'cloudEvents:time': '2024-01-02T03:04:05.000Z',
        },
      },
    });
    expect(r).toMatchObject({
      ok: true,
      envelope: {
        id: 'ce-id',
        type: 'Order.shipped',
        source: 'legacy',
        time: '2024-01-02T03:04:05.000Z',
        data: { a: 1 },
      },
    });
  });

  it('accepts header values delivered as Buffers', () => {
    const r = decodeMessage({
      content: Buffer.from('1'),
      properties: {
        headers: { 'cloudEvents:id': Buffer.from('b-id'), 'cloudEvents:type': Buffer.from('T.x') },
      },
    });
    expect(r).toMatchObject({ ok: true, envelope: { id: 'b-id', type: 'T.x' } });
  });

  it('derives time from the AMQP timestamp when there is no cloudEvents:time', () => {
    const r = decodeMessage(incoming('{}', { timestamp: 1714979289 }));
    expect(r.ok && r.envelope.time).toBe('2024-05-06T07:08:09.000Z');
  });

  it('falls back to the receive time for a timestamp outside the range of a date, instead of throwing', () => {
    const r = decodeMessage(incoming('{}', { timestamp: 2 ** 60 }));
    expect(r.ok && Date.parse(r.envelope.time)).toBeGreaterThan(Date.parse('2026-01-01T00:00:00Z'));
  });

  it('gives each timestamp its own time when consecutive messages differ', () => {
    const a = decodeMessage(incoming('{}', { timestamp: 1714979289 }));
    const b = decodeMessage(incoming('{}', { timestamp: 1714979290 }));
    expect([a.ok && a.envelope.time, b.ok && b.envelope.time]).toEqual([
      '2024-05-06T07:08:09.000Z',
      '2024-05-06T07:08:10.000Z',
    ]);
  });

  it('defaults source to unknown, attempt to 1 and priority to 0', () => {
    const r = decodeMessage(incoming('{}'));
    expect(r).toMatchObject({
      ok: true,
      envelope: { source: 'unknown', attempt: 1, priority: 0, headers: {} },
    });
  });

  it('reads x-schema-version, absent meaning 1 (undefined)', () => {
    expect(decodeMessage(incoming('{}', { headers: { 'x-schema-version': 4 } }))).toMatchObject({
      ok: true,
      envelope: { schemaVersion: 4 },
    });
    const r = decodeMessage(incoming('{}'));
    expect(r.ok && r.envelope.schemaVersion).toBeUndefined();
  });

  it.each([0, -1, 1.5, '3', null])('treats a bad x-attempt (%p) as attempt 1', (attempt) => {
    const r = decodeMessage(incoming('{}', { headers: { 'x-attempt': attempt } }));
    expect(r.ok && r.envelope.attempt).toBe(1);
  });

  it('ignores an unparsable retry-policy header instead of failing', () => {
    expect(decodeMessage(incoming('{}', { headers: { 'x-retry-policy': 'not json' } }))).toMatchObject({
      ok: true,
      envelope: { retry: undefined },
    });
    expect(decodeMessage(incoming('{}', { headers: { 'x-retry-policy': '5' } }))).toMatchObject({
      ok: true,
      envelope: { retry: undefined },
    });
  });

  it('accepts JSON content types with a charset or a +json suffix, and a missing content type', () => {
    for (const contentType of [
      'application/json',
      'application/json; charset=utf-8',
      'application/cloudevents+json',
      'APPLICATION/JSON',
      undefined,
    ]) {
      expect(decodeMessage(incoming('{}', { contentType })).ok).toBe(true);
    }
  });

  describe('failures, each with a reason', () => {
    it.each(['text/plain', 'application/xml', 'application/octet-stream', 'application/jsonp'])(
      'wrong content type %s',
      (contentType) => {
        expect(reasonOf(incoming('{}', { contentType }))).toMatch(/unsupported content type/);
      },
    );

    it('empty body', () => {
      expect(reasonOf(incoming(''))).toMatch(/empty body/);
    });

    it.each(['{not json', 'undefined', '{"a":1', '\u00ff\u00fe'])('invalid JSON %p', (body) => {
      expect(reasonOf(incoming(body))).toMatch(/not valid JSON/);
    });

    it('no type and no routing key to take it from', () => {
      expect(reasonOf(incoming('{}', { type: undefined }))).toMatch(/no event type/);
      expect(reasonOf(incoming('{}', { type: '' }))).toMatch(/no event type/);
    });
  });

  it('removes __proto__ and constructor keys from the data and leaves Object.prototype alone', () => {
    const r = decodeMessage(
      incoming(
        '{"ok":1,"__proto__":{"polluted":true},"nested":{"constructor":{"prototype":{"polluted":true}}}}',
      ),
    );
    expect(r.ok && r.envelope.data).toEqual({ ok: 1, nested: {} });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const escaped = decodeMessage(incoming('{"\\u005f_proto__":{"polluted":true}}'));
    expect(escaped.ok && Object.keys(escaped.envelope.data as object)).toEqual([]);
  });

  it('removes __proto__ from the retry-policy header', () => {
    const r = decodeMessage(
      incoming('{}', { headers: { 'x-retry-policy': '{"maxAttempts":2,"__proto__":{"polluted":true}}' } }),
    );
    expect(r.ok && r.envelope.retry).toEqual({ maxAttempts: 2 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('exposes only application headers, never library or broker headers', () => {
    const r = decodeMessage(
      incoming('{}', {
        headers: {
          tenant: 'acme',
          'x-custom': 'kept',
          'x-death': [{ queue: 'q', reason: 'expired', count: 1 }],
          'x-first-death-queue': 'q',
          'x-last-death-reason': 'expired',
          CC: ['other.key'],
          BCC: ['secret.key'],
          'cloudEvents:type': 'Order.created',
          'cloudEvents:extension': 'x',
          'nae-delay-target': 'retry',
          'nae-delay-03': '1',
          'x-attempt': 2,
          'x-causation-id': 'c',
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
          'x-delivery-count': 3,
          nested: { not: 'a header value' },
        },
      }),
    );
    expect(r.ok && r.envelope.headers).toEqual({ tenant: 'acme', 'x-custom': 'kept' });
  });
});
