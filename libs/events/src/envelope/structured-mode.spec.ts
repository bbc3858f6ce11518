import { decodeMessage } from './envelope.codec.js';
import type { IncomingMessage } from './incoming-message.js';

const structured = (
  event: unknown,
  properties: IncomingMessage['properties'] = {},
  fields?: IncomingMessage['fields'],
): IncomingMessage => ({
  content: Buffer.from(typeof event === 'string' ? event : JSON.stringify(event), 'utf8'),
  properties: { contentType: 'application/cloudevents+json; charset=utf-8', ...properties },
  fields,
});

const event = {
  specversion: '1.0',
  id: 'ce-42',
  source: 'urn:shop',
  type: 'Order.created',
  time: '2024-05-06T07:08:09.123Z',
  datacontenttype: 'application/json',
  data: { orderId: 'o-1' },
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  tenant: 'acme',
  partition: 3,
};

function reasonOf(msg: IncomingMessage): string {
  const r = decodeMessage(msg);
  if (r.ok) throw new Error('expected a decode failure');
  return r.reason;
}

describe('CloudEvents structured mode (application/cloudevents+json)', () => {
  it('decodes the event in the body: attributes, data, trace context, extensions as headers', () => {
    const r = decodeMessage(
      structured(event, { priority: 7, correlationId: 'c-1', headers: { 'x-attempt': 2 } }),
    );
    expect(r).toEqual({
      ok: true,
      envelope: {
        id: 'ce-42',
        type: 'Order.created',
        source: 'urn:shop',
        time: '2024-05-06T07:08:09.123Z',
        data: { orderId: 'o-1' },
        priority: 7,
        correlationId: 'c-1',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        attempt: 2,
        headers: { tenant: 'acme', partition: 3 },
      },
    });
  });

  it('decodes data_base64 as JSON, or as text for another datacontenttype', () => {
    const json = decodeMessage(
      structured({ ...event, data: undefined, data_base64: Buffer.from('{"a":1}').toString('base64') }),
    );
    expect(json.ok && json.envelope.data).toEqual({ a: 1 });
    const text = decodeMessage(
      structured({
        ...event,
        data: undefined,
        datacontenttype: 'text/plain',
        data_base64: Buffer.from('hi').toString('base64'),
      }),
    );
    expect(text.ok && text.envelope.data).toBe('hi');
  });

  it('takes a missing type from the routing key and derives a missing id', () => {
    const r = decodeMessage(
      structured(
        { specversion: '1.0', source: 's', data: 1 },
        {},
        { exchange: 'events', routingKey: 'Order.paid' },
      ),
    );
    expect(r).toMatchObject({ ok: true, envelope: { type: 'Order.paid', data: 1 } });
    expect(r.ok && r.envelope.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never lets an extension spell a library header', () => {
    const r = decodeMessage(structured({ ...event, 'x-attempt': 9, 'x-retry-policy': '{}' }));
    expect(r.ok && r.envelope.headers).toEqual({ tenant: 'acme', partition: 3 });
    expect(r.ok && r.envelope.attempt).toBe(1);
  });

  it.each([
    ['not JSON', '{oops', /not valid JSON/],
    ['not an object', '[1,2]', /not a JSON object/],
    ['another spec version', { ...event, specversion: '0.3' }, /specversion "0.3"/],
    ['no type', { ...event, type: undefined }, /no event type/],
    ['bad data_base64', { ...event, data_base64: 5 }, /data_base64/],
  ])('refuses %s with a reason', (_name, body, reason) => {
    expect(reasonOf(structured(body))).toMatch(reason);
  });

  it('refuses batch mode with a reason', () => {
    expect(
      reasonOf({
        content: Buffer.from('[]'),
        properties: { contentType: 'application/cloudevents-batch+json' },
      }),
    ).toMatch(/batch mode/);
  });
});
