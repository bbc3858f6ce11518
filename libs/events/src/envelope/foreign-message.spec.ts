import { decodeMessage } from './envelope.codec.js';
import type { IncomingMessage } from './incoming-message.js';
import { derivedEventId, typeFromRoutingKey } from './foreign-message.js';

/** What `amqp-publish -e events -r Order.created -b '{"id":1}'` delivers: no properties at all. */
const bare = (
  body: string,
  fields: IncomingMessage['fields'],
  properties: IncomingMessage['properties'] = {},
): IncomingMessage => ({
  content: Buffer.from(body, 'utf8'),
  properties,
  fields,
});

describe('messages of producers that are not this library', () => {
  it('takes the event type from the routing key when there is no type property or header', () => {
    const r = decodeMessage(bare('{"id":1}', { exchange: 'events', routingKey: 'Order.created' }));
    expect(r).toMatchObject({
      ok: true,
      envelope: { type: 'Order.created', data: { id: 1 }, source: 'unknown', attempt: 1 },
    });
  });

  it('prefers the type property and the cloudEvents:type header to the routing key', () => {
    const fields = { exchange: 'events', routingKey: 'Order.created' };
    expect(decodeMessage(bare('{}', fields, { type: 'Order.paid' }))).toMatchObject({
      ok: true,
      envelope: { type: 'Order.paid' },
    });
    expect(
      decodeMessage(bare('{}', fields, { headers: { 'cloudEvents:type': 'Order.sent' } })),
    ).toMatchObject({ ok: true, envelope: { type: 'Order.sent' } });
  });

  it.each(['', 'events.retry', 'events.dlx', 'events.delay.07', 'events.delay.out'])(
    'does not take a queue name for a type: routing key through exchange %p',
    (exchange) => {
      expect(
        typeFromRoutingKey(bare('{}', { exchange, routingKey: 'billing.Handlers.onOrder' })),
      ).toBeUndefined();
      const r = decodeMessage(bare('{}', { exchange, routingKey: 'billing.Handlers.onOrder' }));
      expect(r.ok).toBe(false);
    },
  );

  it('derives a UUIDv8 id when there is no messageId, the same for every redelivery', () => {
    const msg = bare(
      '{"id":1}',
      { exchange: 'events', routingKey: 'Order.created' },
      { timestamp: 1714979289 },
    );
    const r1 = decodeMessage(msg);
    const r2 = decodeMessage({ ...msg, content: Buffer.from('{"id":1}') });
    expect(r1.ok && r1.envelope.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(r1.ok && r2.ok && r1.envelope.id === r2.envelope.id).toBe(true);
  });

  it('derives different ids for another body, routing key or timestamp', () => {
    const id = derivedEventId(
      bare('{"id":1}', { exchange: 'events', routingKey: 'Order.created' }, { timestamp: 1 }),
    );
    expect(
      derivedEventId(bare('{"id":2}', { exchange: 'events', routingKey: 'Order.created' }, { timestamp: 1 })),
    ).not.toBe(id);
    expect(
      derivedEventId(bare('{"id":1}', { exchange: 'events', routingKey: 'Order.paid' }, { timestamp: 1 })),
    ).not.toBe(id);
    expect(
      derivedEventId(bare('{"id":1}', { exchange: 'events', routingKey: 'Order.created' }, { timestamp: 2 })),
    ).not.toBe(id);
  });

  it('keeps a messageId when there is one', () => {
    const r = decodeMessage(
      bare('{}', { exchange: 'events', routingKey: 'Order.created' }, { messageId: 'given' }),
    );
    expect(r.ok && r.envelope.id).toBe('given');
  });
});
