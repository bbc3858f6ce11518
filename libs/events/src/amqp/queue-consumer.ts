import { Logger } from '@nestjs/common';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { DeliveryProcessor, InboundMessage, Settlement } from '../transport/events-transport.js';
import type { ManagedConnection } from './managed-connection.js';
import { settlesWithin } from '../runtime/settles-within.js';
import { ChannelAcks } from './channel-acks.js';

/** amqplib's message as the transport-neutral InboundMessage (no copy of content or properties). */
function inbound(msg: ConsumeMessage): InboundMessage {
  return {
    content: msg.content,
    properties: msg.properties,
    exchange: msg.fields.exchange,
    routingKey: msg.fields.routingKey,
    redelivered: msg.fields.redelivered,
  };
}

/** How often a saturated consumer checks whether the broker blocks publishing (an alarm). */
const ALARM_CHECK_MS = 500;
/** Extra prefetch windows a consumer may open during an alarm: at most (1 + this) × prefetch unacked. */
export const MAX_ALARM_WINDOWS = 4;

/**
 * Consumes one queue on its own channel of the consume connection, re-subscribing after reconnects,
 * channel errors and consumer cancellations. Acks go to the channel the delivery came from, and only
 * while it is open: a delivery tag is never sent on another channel.
 */
export class QueueConsumer {
  private readonly logger: Logger;
  private channel: Channel | undefined;
  /** The acks of the current channel (coalesced per turn of the event loop). */
  private acks: ChannelAcks | undefined;
  private consumerTag: string | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Deliveries being processed or settled; `idle` wakes stop() when it drops to zero. */
  private inFlight = 0;
  private idle: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  /** True while a subscription is being set up: reconnect and retry timers never subscribe twice. */
  private subscribing = false;
  /** Extra consumers on the same channel while an alarm holds failure copies (see checkAlarm). */
  private extraTags: string[] = [];
  private alarmTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: ManagedConnection,
    private readonly queue: string,
    private readonly prefetch: number,
    private readonly processor: DeliveryProcessor,
    /** Re-declares the queue (and what it needs) before consuming: run on every (re)subscribe. */
    private readonly setup: (connection: ChannelModel) => Promise<void>,
    private readonly retryDelayMs: number,
    private readonly exclusiveOrder = false,
    /** Why the broker blocks the publish connection (memory or disk alarm), or undefined. */
    private readonly publishBlocked: () => string | undefined = () => undefined,
  ) {
    this.logger = new Logger(`EventsConsumer:${queue}`);
  }

  get active(): boolean {
    return this.consumerTag !== undefined;
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  /** Subscribes now (if connected) and after every reconnect. Resolves after the first subscription attempt. */
  start(): Promise<void> {
    return new Promise<void>((resolve) => {
      let first = true;
      this.unsubscribe = this.connection.onConnect(async (c) => {
        try {
          await this.subscribe(c);
        } finally {
          if (first) {
            first = false;
            resolve();
          }
        }
      });
    });
  }

  /** Stops taking deliveries (cancel), waits up to `timeoutMs` for in-flight handlers, closes the channel. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.retryTimer);
    clearTimeout(this.alarmTimer);
    const ch = this.channel;
    if (ch && this.consumerTag) await ch.cancel(this.consumerTag).catch(() => undefined);
    for (const tag of this.extraTags.splice(0)) await ch?.cancel(tag).catch(() => undefined);
    this.consumerTag = undefined;
    if (this.inFlight > 0) {
      if (!(await settlesWithin(new Promise<void>((r) => (this.idle = r)), timeoutMs))) {
        this.logger.warn(
          `${this.inFlight} handler(s) still running after ${timeoutMs} ms; their messages will be redelivered`,
        );
      }
    }
    this.acks?.flush();
    this.acks = undefined;
    this.channel = undefined;
    await ch?.close().catch(() => undefined);
  }

  private async subscribe(connection: ChannelModel): Promise<void> {
    if (this.stopped || this.subscribing || this.channel) return;
    this.subscribing = true;
    let ch: Channel | undefined;
    try {
      await this.setup(connection);
      ch = await connection.createChannel();
      ch.on('error', (e: Error) => this.logger.warn(`channel error: ${e.message}`));
      const channel = ch;
      ch.on('close', () => {
        if (this.channel === channel) {
          this.channel = undefined;
          this.consumerTag = undefined;
          this.extraTags = [];
          // the connection's own reconnect re-subscribes; a channel-only close needs a new channel
          if (!this.stopped) this.scheduleResubscribe();
        }
      });
      await ch.prefetch(this.exclusiveOrder ? 1 : this.prefetch);
      this.channel = ch;
      const acks = new ChannelAcks(
        channel,
        () => this.channel === channel,
        (message) => this.processor.ackLost?.(message),
        !this.exclusiveOrder && this.prefetch > 1,
      );
      this.acks = acks;
      const { consumerTag } = await ch.consume(this.queue, (msg) => this.onMessage(acks, msg), {
        noAck: false,
      });
      this.consumerTag = consumerTag;
    } catch (e) {
      this.logger.warn(`could not subscribe to "${this.queue}": ${(e as Error).message}; retrying`);
      if (ch) await ch.close().catch(() => undefined);
      if (this.channel === ch) this.channel = undefined;
      this.scheduleResubscribe();
    } finally {
      this.subscribing = false;
    }
  }

  private scheduleResubscribe(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      const c = this.connection.connection;
      if (c && !this.stopped && !this.channel) void this.subscribe(c);
    }, this.retryDelayMs);
  }

  private onMessage(acks: ChannelAcks, msg: ConsumeMessage | null): void {
    const channel = acks.channel;
    if (msg === null) {
      // the broker cancelled us (queue deleted, node failover): subscribe again
      this.logger.warn(`consumer of "${this.queue}" was cancelled by the broker; re-subscribing`);
      if (this.channel === channel) {
        this.channel = undefined;
        this.consumerTag = undefined;
        void channel.close().catch(() => undefined);
      }
      if (!this.stopped) this.scheduleResubscribe();
      return;
    }
    this.inFlight++;
    acks.delivered(msg);
    void this.deliver(acks, msg);
    if (this.inFlight >= this.window && this.alarmTimer === undefined && !this.exclusiveOrder) {
      this.alarmTimer = setTimeout(() => void this.checkAlarm(), ALARM_CHECK_MS);
    }
  }

  /** Processes one delivery and settles it; never rejects. */
  private async deliver(acks: ChannelAcks, msg: ConsumeMessage): Promise<void> {
    const message = inbound(msg);
    let outcome: Settlement;
    try {
      outcome = await this.processor.process(message);
    } catch (e) {
      this.logger.error(
        `unexpected failure processing a delivery: ${(e as Error).message}`,
        (e as Error).stack,
      );
      outcome = 'requeue';
    }
    try {
      await this.settle(acks, msg, message, outcome);
    } finally {
      if (--this.inFlight === 0 && this.idle) {
        this.idle();
        this.idle = undefined;
      }
    }
  }

  /** Deliveries this consumer may hold unacked now: the prefetch, times the windows opened during an alarm. */
  private get window(): number {
    return this.prefetch * (1 + this.extraTags.length);
  }

  /**
   * During a memory or disk alarm the broker blocks the publish connection, so a failing delivery
   * waits (unacked, holding its prefetch slot) until its retry or dead-letter copy is confirmed: it
   * is never acked before the copy is safe, and never given back to fail again in a loop. So that
   * healthy messages behind it keep flowing, a consumer whose window stays full while publishing is
   * blocked opens another consumer on the same channel (its own prefetch window; acks stay on this
   * channel), up to MAX_ALARM_WINDOWS; once the alarm clears, the extra consumers are cancelled
   * (their unacked deliveries still settle here).
   */
  private async checkAlarm(): Promise<void> {
    this.alarmTimer = undefined;
    const ch = this.channel;
    if (!ch || this.stopped) return;
    const saturated = this.inFlight >= this.window;
    if (this.publishBlocked() === undefined) {
      for (const tag of this.extraTags.splice(0)) await ch.cancel(tag).catch(() => undefined);
    } else if (saturated && this.extraTags.length < MAX_ALARM_WINDOWS) {
      try {
        const acks = this.acks;
        if (!acks || acks.channel !== ch) return;
        const { consumerTag } = await ch.consume(this.queue, (msg) => this.onMessage(acks, msg), {
          noAck: false,
        });
        if (this.channel === ch) this.extraTags.push(consumerTag);
        this.logger.warn(
          `publishing is blocked by the broker and ${this.inFlight} deliveries wait for it: opened prefetch window ${this.extraTags.length + 1} of ${MAX_ALARM_WINDOWS + 1} so other messages keep flowing`,
        );
      } catch (e) {
        this.logger.warn(`could not open another consumer during the alarm: ${(e as Error).message}`);
      }
    }
    if (this.channel === ch && (this.extraTags.length > 0 || this.inFlight >= this.window)) {
      this.alarmTimer ??= setTimeout(() => void this.checkAlarm(), ALARM_CHECK_MS);
    }
  }

  private async settle(
    acks: ChannelAcks,
    msg: ConsumeMessage,
    message: InboundMessage,
    outcome: Settlement,
  ): Promise<void> {
    if (this.channel !== acks.channel) {
      // the channel died: the broker will redeliver; remember we already settled it
      acks.forget(msg);
      if (outcome === 'ack') this.processor.ackLost?.(message);
      return;
    }
    try {
      if (outcome === 'ack') acks.ack(msg, message);
      else {
        // transient failure: give it back after a pause (the redelivery is counted as an attempt)
        await new Promise((r) => setTimeout(r, this.retryDelayMs));
        if (this.channel === acks.channel) acks.requeue(msg);
        else acks.forget(msg);
      }
    } catch (e) {
      acks.forget(msg);
      this.logger.warn(`could not settle delivery: ${(e as Error).message}`);
    }
  }
}
