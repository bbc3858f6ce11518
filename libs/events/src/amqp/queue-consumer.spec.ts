import { EventEmitter } from 'node:events';
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import type { DeliveryProcessor, InboundMessage, Settlement } from '../transport/events-transport.js';
import type { ManagedConnection } from './managed-connection.js';
import { QueueConsumer } from './queue-consumer.js';

/** A channel that records acks and nacks, and lets the test deliver and close. */
class FakeChannel extends EventEmitter {
  readonly acked: number[] = [];
  readonly nacked: number[] = [];
  onMessage: ((m: ConsumeMessage | null) => void) | undefined;
  closed = false;
  prefetch = () => Promise.resolve();
  consume = (_q: string, cb: (m: ConsumeMessage | null) => void) => {
    this.onMessage = cb;
    return Promise.resolve({ consumerTag: 'tag-1' });
  };
  ack = (m: ConsumeMessage) => void this.acked.push(m.fields.deliveryTag);
  nack = (m: ConsumeMessage) => void this.nacked.push(m.fields.deliveryTag);
  cancel = () => Promise.resolve();
  close = () => {
    this.closed = true;
    this.emit('close');
    return Promise.resolve();
  };
}

class FakeConnection {
  readonly channels: FakeChannel[] = [];
  private listener: ((c: ChannelModel) => Promise<void>) | undefined;
  readonly model = { createChannel: () => Promise.resolve(this.newChannel()) } as unknown as ChannelModel;
  get connection() {
    return this.model;
  }
  onConnect(l: (c: ChannelModel) => Promise<void>) {
    this.listener = l;
    void l(this.model);
    return () => (this.listener = undefined);
  }
  reconnect() {
    return this.listener?.(this.model);
  }
  private newChannel() {
    const ch = new FakeChannel();
    this.channels.push(ch);
    return ch;
  }
}

function msg(tag: number, redelivered = false): ConsumeMessage {
  return {
    content: Buffer.from('{}'),
    fields: { deliveryTag: tag, redelivered, exchange: 'ev', routingKey: 'X.y', consumerTag: 'tag-1' },
    properties: { messageId: `m${tag}`, headers: {} },
  } as unknown as ConsumeMessage;
}

function processor(outcome: Settlement = 'ack') {
  const seen: InboundMessage[] = [];
  const lost: InboundMessage[] = [];
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => undefined;
  const p: DeliveryProcessor & {
    seen: InboundMessage[];
    lost: InboundMessage[];
    block(): void;
    unblock(): void;
  } = {
    seen,
    lost,
    async process(m) {
      seen.push(m);
      await gate;
      return outcome;
    },
    ackLost: (m) => void lost.push(m),
    block() {
      gate = new Promise((r) => (open = r));
    },
    unblock: () => open(),
  };
  return p;
}

/** Lets handlers finish and the coalesced acks of that turn go out (they are sent after it). */
const flush = async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

describe('QueueConsumer (against a fake channel)', () => {
  it('hands the processor a transport-neutral message and acks on the channel it came from', async () => {
    const conn = new FakeConnection();
    const p = processor();
    const c = new QueueConsumer(conn as unknown as ManagedConnection, 'q', 5, p, () => Promise.resolve(), 10);
    await c.start();
    conn.channels[0].onMessage!(msg(1));
    await flush();
    expect(p.seen[0]).toMatchObject({ exchange: 'ev', routingKey: 'X.y', redelivered: false });
    expect(conn.channels[0].acked).toEqual([1]);
    expect(c.active).toBe(true);
  });

  it('never acks on a dead channel: a settled delivery of a closed channel is reported as ackLost', async () => {
    const conn = new FakeConnection();
    const p = processor();
    p.block();
    const c = new QueueConsumer(conn as unknown as ManagedConnection, 'q', 5, p, () => Promise.resolve(), 10);
    await c.start();
    const first = conn.channels[0];
    first.onMessage!(msg(7));
    await flush();
    await first.close();
    p.unblock();
    await flush();
    expect(first.acked).toEqual([]);
    expect(p.lost.map((m) => m.properties.messageId)).toEqual(['m7']);
    await c.stop(100);
  });

  it('resubscribes on a new channel after the broker cancelled the consumer', async () => {
    const conn = new FakeConnection();
    const c = new QueueConsumer(
      conn as unknown as ManagedConnection,
      'q',
      5,
      processor(),
      () => Promise.resolve(),
      5,
    );
    await c.start();
    conn.channels[0].onMessage!(null);
    expect(c.active).toBe(false);
    await new Promise((r) => setTimeout(r, 30));
    expect(conn.channels).toHaveLength(2);
    expect(c.active).toBe(true);
    await c.stop(100);
  });

  it('gives a delivery back (nack with requeue) after a pause when the processor says requeue', async () => {
    const conn = new FakeConnection();
    const c = new QueueConsumer(
      conn as unknown as ManagedConnection,
      'q',
      5,
      processor('requeue'),
      () => Promise.resolve(),
      5,
    );
    await c.start();
    conn.channels[0].onMessage!(msg(3));
    await new Promise((r) => setTimeout(r, 30));
    expect(conn.channels[0].nacked).toEqual([3]);
    expect(conn.channels[0].acked).toEqual([]);
    await c.stop(100);
  });

  it('stop() waits for in-flight handlers (bounded) before closing the channel', async () => {
    const conn = new FakeConnection();
    const p = processor();
    p.block();
    const c = new QueueConsumer(conn as unknown as ManagedConnection, 'q', 5, p, () => Promise.resolve(), 10);
    await c.start();
    conn.channels[0].onMessage!(msg(1));
    await flush();
    expect(c.inFlightCount).toBe(1);
    const stopped = c.stop(1000);
    await flush();
    expect(conn.channels[0].closed).toBe(false);
    p.unblock();
    await stopped;
    expect(conn.channels[0].closed).toBe(true);
  });
});
