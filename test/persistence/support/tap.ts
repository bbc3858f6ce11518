import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { connectRaw } from '../../support/broker.js';

/** Copies of every event published to `exchange`, seen by a private queue bound with '#'. */
export class ExchangeTap {
  readonly messages: ConsumeMessage[] = [];
  private constructor(
    private readonly conn: ChannelModel,
    private readonly ch: Channel,
  ) {}

  static async open(exchange: string): Promise<ExchangeTap> {
    const conn = await connectRaw();
    conn.on('error', () => undefined);
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    await ch.checkExchange(exchange); // declared by the app (with its alternate exchange)
    const { queue } = await ch.assertQueue('', {
      exclusive: true,
      autoDelete: true,
      arguments: { 'x-max-priority': 10 },
    });
    await ch.bindQueue(queue, exchange, '#');
    const tap = new ExchangeTap(conn, ch);
    await ch.consume(queue, (m) => m && tap.messages.push(m), { noAck: true });
    return tap;
  }

  /** messageIds in arrival order. */
  get ids(): string[] {
    return this.messages.map((m) => String(m.properties.messageId));
  }

  /** How many copies of each id arrived. */
  counts(): Map<string, number> {
    const c = new Map<string, number>();
    for (const id of this.ids) c.set(id, (c.get(id) ?? 0) + 1);
    return c;
  }

  async close(): Promise<void> {
    await this.ch.close().catch(() => undefined);
    await this.conn.close().catch(() => undefined);
  }
}
