import type { Channel, ConsumeMessage } from 'amqplib';
import type { InboundMessage } from '../transport/events-transport.js';

/**
 * The acks of one consume channel, coalesced: acks decided in the same turn of the event loop go out
 * together after it, as one `basic.ack` with `multiple` for the ones below every delivery still open on
 * the channel, and one ack each for the rest. Each ack frame is a socket write in the client and a
 * frame for the broker to handle, so at a steady rate this saves most of them; nothing is acked before
 * its handler finished, and an ack with `multiple` never covers a delivery that is still running or
 * that was given back (a nack settles a delivery for the broker at once).
 *
 * Delivery tags of a channel grow by one per delivery, and every delivery of the channel is seen here
 * (`delivered()`), so the oldest open delivery is the first one of `open` (a Set keeps insertion order).
 */
export class ChannelAcks {
  /** Delivery tags handed to handlers and not yet settled, oldest first. */
  private readonly open = new Set<number>();
  /** Acks decided and not yet sent (amqplib's messages, and the same deliveries as the processor saw them). */
  private pending: ConsumeMessage[] = [];
  private pendingInbound: InboundMessage[] = [];
  private scheduled = false;
  private readonly flushNow = () => this.flush();

  constructor(
    readonly channel: Channel,
    /** Whether the channel is still the consumer's (acks are only sent on an open channel). */
    private readonly current: () => boolean,
    /** An ack that could not be sent: the broker will redeliver that message. */
    private readonly lost: (message: InboundMessage) => void,
    /**
     * False for a channel with prefetch 1 (ordered handlers): the broker sends nothing more until the
     * ack, so there is nothing to coalesce and waiting would only delay the next delivery.
     */
    private readonly coalesce = true,
  ) {}

  delivered(msg: ConsumeMessage): void {
    this.open.add(msg.fields.deliveryTag);
  }

  /** Acks after this turn of the event loop (or reports it lost when the channel is gone by then). */
  ack(msg: ConsumeMessage, message: InboundMessage): void {
    this.pending.push(msg);
    this.pendingInbound.push(message);
    if (!this.coalesce) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushNow);
    }
  }

  /** Gives a delivery back to the queue now (its tag no longer holds back the acks after it). */
  requeue(msg: ConsumeMessage): void {
    this.open.delete(msg.fields.deliveryTag);
    this.channel.nack(msg, false, true);
  }

  /** A delivery settled without a frame (its channel is gone): it no longer holds back others. */
  forget(msg: ConsumeMessage): void {
    this.open.delete(msg.fields.deliveryTag);
  }

  /** Sends the acks decided so far. Safe to call at any time (also before closing the channel). */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    const inbound = this.pendingInbound;
    if (batch.length === 0) return;
    this.pending = [];
    this.pendingInbound = [];
    for (const msg of batch) this.open.delete(msg.fields.deliveryTag);
    if (!this.current()) {
      for (const m of inbound) this.lost(m);
      return;
    }
    const oldestOpen = this.open.size > 0 ? this.open.values().next().value! : Infinity;
    let highest: ConsumeMessage | undefined;
    try {
      for (const msg of batch) {
        const tag = msg.fields.deliveryTag;
        if (tag >= oldestOpen) this.channel.ack(msg);
        else if (highest === undefined || tag > highest.fields.deliveryTag) highest = msg;
      }
      if (highest !== undefined) this.channel.ack(highest, true);
    } catch {
      // the channel is closing under us: the broker redelivers what it did not get (a redelivery of
      // one that did get through cannot come, so remembering it as lost is harmless)
      for (const m of inbound) this.lost(m);
    }
  }
}
