import { HEADERS } from '../constants.js';
import { encodeEnvelope } from '../envelope/envelope.codec.js';
import { NonRetryableError } from '../errors/non-retryable.error.js';
import { TransientError } from '../errors/transient.error.js';
import type { HandlerRegistration } from '../consumer/handler-registration.js';
import type { EventContext } from '../interfaces/event-context.interface.js';
import { EventsMetrics } from '../observability/events-metrics.js';
import { resolveOptions } from '../options/resolve-options.js';
import type {
  ConsumerSpec,
  DeadLetterStore,
  EventsTransport,
  InboundMessage,
  OutboundProperties,
  TransportStatus,
} from '../transport/events-transport.js';
import { DeliveryProcessorImpl } from './delivery.processor.js';
import { RuntimeObservers, type DeliveryRecord } from './runtime-observer.js';

interface Sent {
  kind: 'publish' | 'queue' | 'dlq';
  target: string;
  content: Buffer;
  properties: OutboundProperties;
  delayMs?: number;
}

/** Records what the delivery path asks of the transport; `failNext` makes the next send fail. */
class FakeTransport implements EventsTransport {
  readonly kind = 'memory' as const;
  readonly sent: Sent[] = [];
  failNext = false;
  start = () => Promise.resolve();
  declare = () => Promise.resolve();
  consume = (_s: ConsumerSpec[]) => Promise.resolve();
  cancel = () => Promise.resolve();
  remove = () => Promise.resolve();
  stop = () => Promise.resolve();
  status = (): TransportStatus => ({
    publish: true,
    consume: true,
    blocked: undefined,
    consumers: 0,
    activeConsumers: 0,
  });
  deadLetters = (): DeadLetterStore => {
    throw new Error('not used');
  };
  queueDepth = () => Promise.resolve(0);
  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    properties: OutboundProperties,
    delayMs?: number,
  ) {
    return this.record({
      kind: 'publish',
      target: `${exchange}/${routingKey}`,
      content,
      properties,
      delayMs,
    });
  }
  sendToQueue(queue: string, content: Buffer, properties: OutboundProperties, delayMs: number) {
    return this.record({ kind: 'queue', target: queue, content, properties, delayMs });
  }
  deadLetter(queue: string, content: Buffer, properties: OutboundProperties) {
    return this.record({ kind: 'dlq', target: queue, content, properties });
  }
  private record(s: Sent): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('publish channel closed'));
    }
    this.sent.push(s);
    return Promise.resolve();
  }
}

const options = resolveOptions({
  service: 'svc',
  exchange: 'ev',
  retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 250 },
});

function message(attempt = 1, over: Partial<InboundMessage> = {}): InboundMessage {
  const wire = encodeEnvelope(
    {
      id: 'evt-1',
      type: 'Order.created',
      source: 'shop',
      time: '2026-01-01T00:00:00.000Z',
      priority: 5,
      attempt,
      headers: { tenant: 'acme' },
    },
    Buffer.from('{"n":1}'),
  );
  return {
    content: wire.content,
    properties: wire.properties,
    exchange: 'ev',
    routingKey: 'Order.created',
    redelivered: false,
    ...over,
  };
}

function setup(
  invoke: (data: unknown, ctx: EventContext) => unknown,
  reg: Partial<HandlerRegistration> = {},
  processed?: (reg: HandlerRegistration, eventId: string) => Promise<boolean>,
) {
  const transport = new FakeTransport();
  const observers = new RuntimeObservers();
  const records: DeliveryRecord[] = [];
  observers.add({ delivery: (r) => records.push(r) });
  const metrics = new EventsMetrics('svc');
  const processor = new DeliveryProcessorImpl(
    {
      name: 'Orders.onCreated',
      queue: 'svc.Orders.onCreated',
      patterns: ['Order.created'],
      options: {},
      retry: undefined,
      prefetch: 10,
      invoke,
      ...reg,
    },
    {
      options,
      transport,
      followUp: () => Promise.reject(new Error('no follow-ups here')),
      metrics,
      observers,
      processed,
    },
  );
  return { processor, transport, records, metrics };
}

describe('DeliveryProcessorImpl (against a fake transport)', () => {
  it('acks a success and hands the handler the payload and context', async () => {
    let seen: { data: unknown; ctx: EventContext } | undefined;
    const { processor, transport, records, metrics } = setup((data, ctx) => {
      seen = { data, ctx };
    });
    await expect(processor.process(message())).resolves.toBe('ack');
    expect(seen?.data).toEqual({ n: 1 });
    expect(seen?.ctx).toMatchObject({
      id: 'evt-1',
      type: 'Order.created',
      attempt: 1,
      maxAttempts: 3,
      queue: 'svc.Orders.onCreated',
      headers: { tenant: 'acme' },
    });
    expect(transport.sent).toEqual([]);
    expect(records).toMatchObject([{ outcome: 'handled', attempt: 1 }]);
    expect(metrics.snapshot().handled).toBe(1);
  });

  it('sends a retry copy to this queue only, with the next attempt and the backoff, then acks', async () => {
    const { processor, transport, records } = setup(() => {
      throw new Error('boom');
    });
    await expect(processor.process(message(1))).resolves.toBe('ack');
    expect(transport.sent).toHaveLength(1);
    const [copy] = transport.sent;
    expect(copy).toMatchObject({ kind: 'queue', target: 'svc.Orders.onCreated', delayMs: 250 });
    expect(copy.properties.headers).toMatchObject({
      [HEADERS.attempt]: 2,
      [HEADERS.originalExchange]: 'ev',
      [HEADERS.originalRoutingKey]: 'Order.created',
      tenant: 'acme',
    });
    expect(copy.properties.messageId).toBe('evt-1');
    expect(records).toMatchObject([{ outcome: 'retried', delayMs: 250 }]);
  });

  it('parks the last attempt with the error in headers', async () => {
    const { processor, transport } = setup(() => {
      throw new RangeError('still broken');
    });
    await processor.process(message(3));
    expect(transport.sent).toMatchObject([{ kind: 'dlq', target: 'svc.Orders.onCreated' }]);
    expect(transport.sent[0].properties.headers).toMatchObject({
      [HEADERS.deadLetterReason]: 'max-attempts',
      [HEADERS.errorName]: 'RangeError',
      [HEADERS.errorMessage]: 'still broken',
      [HEADERS.attempts]: 3,
      [HEADERS.handler]: 'Orders.onCreated',
    });
  });

  it('parks a NonRetryableError at once and postpones a TransientError without counting', async () => {
    const parked = setup(() => {
      throw new NonRetryableError('bad');
    });
    await parked.processor.process(message(1));
    expect(parked.transport.sent[0].properties.headers?.[HEADERS.deadLetterReason]).toBe('non-retryable');
    const postponed = setup(() => {
      throw new TransientError('db down');
    });
    await postponed.processor.process(message(2));
    expect(postponed.transport.sent).toMatchObject([{ kind: 'queue', delayMs: 1000 }]);
    expect(postponed.transport.sent[0].properties.headers?.[HEADERS.attempt]).toBe(2);
  });

  it('parks an undecodable message with the reason, without running the handler', async () => {
    let ran = false;
    const { processor, transport } = setup(() => {
      ran = true;
    });
    await processor.process({ ...message(), content: Buffer.from('{nope') });
    expect(ran).toBe(false);
    expect(transport.sent[0]).toMatchObject({ kind: 'dlq' });
    expect(transport.sent[0].properties.headers?.[HEADERS.deadLetterReason]).toBe('undecodable');
  });

  it('gives the message back when the retry copy cannot be sent (never acked away)', async () => {
    const { processor, transport } = setup(() => {
      throw new Error('boom');
    });
    transport.failNext = true;
    await expect(processor.process(message(1))).resolves.toBe('requeue');
  });

  it('counts a broker redelivery of an unknown message as an attempt, and acks a redelivery it already settled', async () => {
    const { processor, transport } = setup(() => undefined);
    await processor.process(message(3, { redelivered: true }));
    expect(transport.sent[0].properties.headers?.[HEADERS.deadLetterReason]).toBe('redelivery-limit');
    const again = setup(() => {
      throw new Error('must not run');
    });
    again.processor.ackLost(message());
    await expect(again.processor.process(message(1, { redelivered: true }))).resolves.toBe('ack');
    expect(again.transport.sent).toEqual([]);
  });

  it('acks the redelivery of a message it handled and acked (the ack was lost in flight), without running it again', async () => {
    let runs = 0;
    const { processor, transport } = setup(() => {
      runs++;
    });
    await expect(processor.process(message(1))).resolves.toBe('ack');
    await expect(processor.process(message(1, { redelivered: true }))).resolves.toBe('ack');
    expect(runs).toBe(1);
    expect(transport.sent).toEqual([]);
    // a retry copy of the same event (next attempt) is a different delivery: it runs
    await expect(processor.process(message(2, { redelivered: true }))).resolves.not.toBe('requeue');
  });

  it("acks an unknown redelivery the handler's inbox already processed; counts it when the inbox cannot tell", async () => {
    let runs = 0;
    const asked: string[] = [];
    const seen = setup(
      () => {
        runs++;
      },
      {},
      (_reg, id) => (asked.push(id), Promise.resolve(true)),
    );
    await expect(seen.processor.process(message(1, { redelivered: true }))).resolves.toBe('ack');
    expect(asked).toEqual(['evt-1']);
    expect(runs).toBe(0);
    expect(seen.transport.sent).toEqual([]);
    const down = setup(
      () => {
        runs++;
      },
      {},
      () => Promise.reject(new Error('database down')),
    );
    await down.processor.process(message(1, { redelivered: true }));
    expect(runs).toBe(0);
    expect(down.transport.sent[0].properties.headers?.[HEADERS.attempt]).toBe(2);
  });

  it('runs a message it gave back itself again at the same attempt, not counted', async () => {
    let runs = 0;
    const { processor, transport } = setup(() => {
      runs++;
      if (runs === 1) throw new Error('boom');
    });
    transport.failNext = true;
    await expect(processor.process(message(1))).resolves.toBe('requeue');
    await expect(processor.process(message(1, { redelivered: true }))).resolves.toBe('ack');
    expect(runs).toBe(2);
    expect(transport.sent).toEqual([]);
  });
});

describe('DeliveryProcessorImpl: redeliveries of quorum queues', () => {
  it('runs a failover redelivery again at the same attempt, and counts one past the grace', async () => {
    let runs = 0;
    const { processor, transport } = setup(() => {
      runs++;
    });
    const failover = message(1, { redelivered: true });
    failover.properties.headers = { ...failover.properties.headers, 'x-delivery-count': 1 };
    await expect(processor.process(failover)).resolves.toBe('ack');
    expect(runs).toBe(1);
    expect(transport.sent).toEqual([]);
    // another process (this memory knows nothing of it) sees the message come back a third time
    const other = setup(() => {
      runs++;
    });
    const loop = message(1, { redelivered: true });
    loop.properties.headers = { ...loop.properties.headers, 'x-delivery-count': 3 };
    await other.processor.process(loop);
    expect(runs).toBe(1);
    expect(other.transport.sent[0].properties.headers?.[HEADERS.attempt]).toBe(2);
  });
});
