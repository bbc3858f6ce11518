import type { GetMessage } from 'amqplib';
import { handlerQueueOf, toDeadLetter } from './dead-letter.mapper.js';

function message(headers: Record<string, unknown>, body = '{"a":1}'): GetMessage {
  return {
    content: Buffer.from(body),
    fields: { deliveryTag: 1, redelivered: false, exchange: 'events.dlx', routingKey: 'q', messageCount: 0 },
    properties: {
      messageId: 'id-1',
      type: 'Order.created',
      correlationId: 'c-1',
      headers,
    } as GetMessage['properties'],
  };
}

describe('toDeadLetter', () => {
  it('reads the library failure headers', () => {
    const l = toDeadLetter(
      'q',
      message({
        'x-dead-letter-reason': 'max-attempts',
        'x-attempts': 3,
        'x-original-exchange': 'events',
        'x-original-routing-key': 'Order.created',
        'x-failed-at': 't2',
        'x-first-failure-at': 't1',
        'x-handler': 'A.b',
        'x-host': 'h',
      }),
    );
    expect(l).toMatchObject({
      id: 'id-1',
      type: 'Order.created',
      reason: 'max-attempts',
      attempts: 3,
      originalExchange: 'events',
      originalRoutingKey: 'Order.created',
      firstFailureAt: 't1',
      failedAt: 't2',
      handler: 'A.b',
      host: 'h',
      correlationId: 'c-1',
      data: { a: 1 },
    });
  });

  it("falls back to the broker's x-death (quorum delivery limit) and leaves x-death out of headers", () => {
    const l = toDeadLetter(
      'q',
      message({
        'x-death': [
          {
            reason: 'delivery_limit',
            exchange: 'events',
            'routing-keys': ['Order.created'],
            time: { '!': 'timestamp', value: 1_700_000_000 },
          },
        ],
        'x-first-death-reason': 'delivery_limit',
      }),
    );
    expect(l).toMatchObject({
      reason: 'delivery_limit',
      originalExchange: 'events',
      originalRoutingKey: 'Order.created',
      failedAt: new Date(1_700_000_000_000).toISOString(),
      attempts: undefined,
    });
    expect(l.headers['x-death']).toBeUndefined();
    expect(l.headers['x-first-death-reason']).toBe('delivery_limit');
  });

  it('keeps a body that is not JSON as text, and the exact bytes', () => {
    const l = toDeadLetter('q', message({}, 'not json'));
    expect(l.data).toBe('not json');
    expect(Buffer.from(l.rawBase64, 'base64').toString()).toBe('not json');
  });

  it('normalises a DLQ name to its handler queue', () => {
    expect(handlerQueueOf('billing.A.b.dlq')).toBe('billing.A.b');
    expect(handlerQueueOf('billing.A.b')).toBe('billing.A.b');
  });
});
