import { EventEmitter } from 'node:events';
import type { ChannelModel, Options } from 'amqplib';
import { PublishError } from '../errors/publish.error.js';
import { UnroutableEventError } from '../errors/unroutable-event.error.js';
import { ConfirmPublisher } from './confirm-publisher.js';
import type { ManagedConnection } from './managed-connection.js';

/** A confirm channel that records publishes; the test confirms them or closes the channel like the broker. */
class FakeChannel extends EventEmitter {
  readonly sent: Array<{
    exchange: string;
    routingKey: string;
    options: Options.Publish;
    cb: (err: Error | null) => void;
  }> = [];
  closed = false;

  publish(
    exchange: string,
    routingKey: string,
    _content: Buffer,
    options: Options.Publish,
    cb: (err: Error | null) => void,
  ): boolean {
    if (this.closed) throw new Error('Channel closed');
    this.sent.push({ exchange, routingKey, options, cb });
    return true;
  }

  /** What amqplib does for a mandatory message nobody is bound for: 'return' first, then the ack. */
  returnThenConfirm(index: number): void {
    const s = this.sent.splice(index, 1)[0];
    this.emit('return', {
      properties: { messageId: s.options.messageId },
      fields: { exchange: s.exchange, routingKey: s.routingKey },
      content: Buffer.alloc(0),
    });
    s.cb(null);
  }

  confirmAll(): void {
    for (const s of this.sent.splice(0)) s.cb(null);
  }

  /** What amqplib does on a server channel.close: 'error' with the reply code, pending callbacks failed, 'close'. */
  closeByServer(code: number, text: string): void {
    this.closed = true;
    const error = Object.assign(new Error(`Channel closed by server: ${code} (${text})`), { code });
    this.emit('error', error);
    for (const s of this.sent.splice(0)) s.cb(new Error('channel closed'));
    this.emit('close');
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const s of this.sent.splice(0)) s.cb(new Error('channel closed'));
      this.emit('close');
    }
    return Promise.resolve();
  }
}

function setup(timeoutMs = 5_000) {
  const channels: FakeChannel[] = [];
  const model = {
    createConfirmChannel: () => {
      const ch = new FakeChannel();
      channels.push(ch);
      return Promise.resolve(ch);
    },
  } as unknown as ChannelModel;
  let listener: ((c: ChannelModel) => void | Promise<void>) | undefined;
  const connection = {
    onConnect: (l: (c: ChannelModel) => void | Promise<void>) => {
      listener = l;
      return () => undefined;
    },
    isConnected: () => true,
    get connection() {
      return model;
    },
  } as unknown as ManagedConnection;
  const publisher = new ConfirmPublisher(connection, timeoutMs, 100, 1);
  return { publisher, channels, connect: () => listener!(model) };
}

const props = (id: string): Options.Publish => ({ messageId: id, persistent: true, headers: {} });
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(cond()).toBe(true);
};

describe('ConfirmPublisher confirms', () => {
  it('resolves a confirmed publish and rejects a returned one with UnroutableEventError', async () => {
    const { publisher, channels, connect } = setup();
    await connect();
    const routed = publisher.publish('events', 'A.ok', Buffer.from('{}'), props('m-1'));
    const unroutable = publisher.publish('events', 'A.none', Buffer.from('{}'), props('m-2'));
    channels[0].returnThenConfirm(1);
    channels[0].confirmAll();
    await expect(routed).resolves.toBeUndefined();
    await expect(unroutable).rejects.toBeInstanceOf(UnroutableEventError);
    // a later publish with another id is not taken for returned
    const later = publisher.publish('events', 'A.ok', Buffer.from('{}'), props('m-3'));
    channels[0].confirmAll();
    await expect(later).resolves.toBeUndefined();
    await publisher.close();
  });

  it('matches a return by id, exchange and routing key: two copies of one event to two queues keep their own outcome', async () => {
    const { publisher, channels, connect } = setup();
    await connect();
    const toA = publisher.publish('events.retry', 'svc.A.on', Buffer.from('{}'), props('m-1'));
    const toB = publisher.publish('events.retry', 'svc.B.on', Buffer.from('{}'), props('m-1'));
    // the broker returns B's copy, then acks both at once (amqplib runs A's callback first)
    channels[0].emit('return', {
      properties: { messageId: 'm-1' },
      fields: { exchange: 'events.retry', routingKey: 'svc.B.on' },
      content: Buffer.alloc(0),
    });
    channels[0].confirmAll();
    await expect(toA).resolves.toBeUndefined();
    await expect(toB).rejects.toBeInstanceOf(UnroutableEventError);
    await publisher.close();
  });
});

describe('ConfirmPublisher and a channel whose confirms stall', () => {
  it('fails the overdue publish with a timeout, replaces the channel and sends the other unconfirmed messages again', async () => {
    const { publisher, channels, connect } = setup(100);
    await connect();
    const first = publisher.publish('events', 'A.one', Buffer.from('{}'), props('m-1'));
    await new Promise((r) => setTimeout(r, 60));
    const second = publisher.publish('events', 'A.two', Buffer.from('{}'), props('m-2'));
    await expect(first).rejects.toMatchObject({ reason: 'timeout' });
    // the stuck channel was closed; m-2 goes out again on the next one and is confirmed there
    await until(() => channels.length === 2 && channels[1].sent.length === 1);
    expect(channels[0].closed).toBe(true);
    expect(channels[1].sent[0].options.messageId).toBe('m-2');
    channels[1].confirmAll();
    await expect(second).resolves.toBeUndefined();
    await publisher.close();
  });
});

describe('ConfirmPublisher and channels the broker closes', () => {
  it('rejects at once, with channel-error, the messages to an exchange the broker says does not exist (404); resends the others', async () => {
    const { publisher, channels, connect } = setup();
    await connect();
    const ok = publisher.publish('events', 'A.ok', Buffer.from('{}'), props('m-1'));
    const missing = publisher.publish('nowhere', 'A.lost', Buffer.from('{}'), props('m-2'));
    const missingToo = publisher.publish('nowhere', 'A.lost', Buffer.from('{}'), props('m-3'));
    channels[0].closeByServer(404, "NOT_FOUND - no exchange 'nowhere' in vhost '/'");
    for (const p of [missing, missingToo]) {
      await expect(p).rejects.toBeInstanceOf(PublishError);
      await expect(p).rejects.toMatchObject({
        reason: 'channel-error',
        message: expect.stringContaining('404'),
      });
    }
    await until(() => channels.length === 2 && channels[1].sent.length === 1);
    expect(channels[1].sent.map((s) => s.options.messageId)).toEqual(['m-1']);
    channels[1].confirmAll();
    await expect(ok).resolves.toBeUndefined();
    await publisher.close();
  });

  it('rejects only the oldest unconfirmed message when a 406 names no exchange', async () => {
    const { publisher, channels, connect } = setup();
    await connect();
    const first = publisher.publish('events', 'A.bad', Buffer.from('{}'), props('m-1'));
    const second = publisher.publish('events', 'A.fine', Buffer.from('{}'), props('m-2'));
    channels[0].closeByServer(406, 'PRECONDITION_FAILED - invalid expiration');
    await expect(first).rejects.toMatchObject({ reason: 'channel-error' });
    await until(() => channels.length === 2 && channels[1].sent.length === 1);
    channels[1].confirmAll();
    await expect(second).resolves.toBeUndefined();
    await publisher.close();
  });

  it('resends every unconfirmed message after a close a reconnect can fix (320, 541)', async () => {
    const { publisher, channels, connect } = setup();
    await connect();
    const a = publisher.publish('events', 'A.a', Buffer.from('{}'), props('m-1'));
    const b = publisher.publish('events', 'A.b', Buffer.from('{}'), props('m-2'));
    channels[0].closeByServer(541, 'INTERNAL_ERROR');
    await until(() => channels.length === 2 && channels[1].sent.length === 2);
    expect(channels[1].sent.map((s) => s.options.messageId)).toEqual(['m-1', 'm-2']);
    channels[1].confirmAll();
    await expect(Promise.all([a, b])).resolves.toEqual([undefined, undefined]);
    await publisher.close();
  });
});
