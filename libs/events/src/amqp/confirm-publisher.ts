import { Logger } from '@nestjs/common';
import type { ChannelModel, ConfirmChannel, Options } from 'amqplib';
import { PublishError } from '../errors/publish.error.js';
import { UnroutableEventError } from '../errors/unroutable-event.error.js';
import type { WireProperties } from '../envelope/envelope.js';
import type { ManagedConnection } from './managed-connection.js';
import { publishFrame, sendConfirmed } from './confirm-send.js';
import { PendingList, PendingPublish } from './pending-publish.js';
import {
  PERMANENT_CLOSE_CODES,
  channelCloseOf,
  refusedPublishes,
  type ChannelClose,
} from './publish-refusal.js';

/**
 * Confirmed publishing over one confirm channel of the publish connection.
 * - A publish resolves when the broker acks it; a nack, a mandatory return or the deadline rejects it.
 * - While there is no channel, publishes wait in a bounded buffer; on a channel loss, unconfirmed
 *   messages are written again after the reconnect (same message id: at-least-once) until their deadline.
 * - Back-pressure: when the socket is full, writing stops until 'drain'.
 */
export class ConfirmPublisher {
  private readonly logger = new Logger('EventsPublisher');
  private channel: ConfirmChannel | undefined;
  private gen = 0;
  private writable = false;
  private readonly buffer: PendingPublish[] = [];
  /** Every unsettled publish, oldest first (in deadline order: all share one timeout). */
  private readonly unsettled = new PendingList();
  /**
   * Messages the broker returned as unroutable (mandatory) on the current channel, by message id,
   * exchange and routing key (two copies of one event to two queues must not swap outcomes). RabbitMQ
   * sends basic.return before the basic.ack of the same message, so the confirm callback finds it here;
   * only returns are recorded (rare), not every publish.
   */
  private readonly returnedIds = new Set<string>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private lastError: string | undefined;
  /** Why the broker closed the current channel (its channel.close code and text), if it did. */
  private closeReason: ChannelClose | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private readonly idleWaiters: Array<() => void> = [];
  /** Unsettled publishes made with holdWhileBlocked (the failure path's retry and dead-letter copies). */
  private holding = 0;
  /** When the channel was last replaced because its confirms stalled. */
  private lastRecycle = 0;

  constructor(
    private readonly connection: ManagedConnection,
    private readonly timeoutMs: number,
    private readonly maxBuffered: number,
    private readonly reopenDelayMs: number,
  ) {
    connection.onConnect((c) => this.open(c));
  }

  get ready(): boolean {
    return this.channel !== undefined;
  }

  get pendingCount(): number {
    return this.unsettled.size;
  }

  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    properties: WireProperties | Options.Publish,
    holdWhileBlocked = false,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) =>
      this.send(exchange, routingKey, content, properties, holdWhileBlocked, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  }

  /** `publish()` reporting through `done` (undefined = confirmed), called exactly once. */
  send(
    exchange: string,
    routingKey: string,
    content: Buffer,
    properties: WireProperties | Options.Publish,
    holdWhileBlocked: boolean,
    done: (error?: Error) => void,
  ): void {
    if (this.closed) {
      done(new PublishError('publisher is closed (application shutting down)', 'closed', routingKey));
      return;
    }
    const options = properties as Options.Publish;
    if ((!this.writable || this.buffer.length > 0) && this.buffer.length >= this.maxBuffered) {
      done(
        new PublishError(
          `publish buffer full (${this.maxBuffered} waiting${this.lastError ? `; broker: ${this.lastError}` : ''})`,
          'buffer-full',
          routingKey,
          options.messageId,
        ),
      );
      return;
    }
    const p = new PendingPublish(
      this,
      exchange,
      routingKey,
      content,
      options,
      Date.now() + this.timeoutMs,
      done,
      holdWhileBlocked,
    );
    if (holdWhileBlocked) this.holding++;
    this.unsettled.add(p);
    this.ensureSweep();
    if (this.writable && this.buffer.length === 0) this.write(p);
    else this.buffer.push(p);
  }

  /** Resolves when every publish has settled, or after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<void> {
    if (this.unsettled.size === 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reopenTimer);
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const p of this.unsettled.toArray()) {
      this.settle(
        p,
        new PublishError(
          'publisher closed before the broker confirmed (outcome unknown)',
          'closed',
          p.routingKey,
          p.messageId,
        ),
      );
    }
    const ch = this.channel;
    this.channel = undefined;
    this.writable = false;
    await ch?.close().catch(() => undefined);
  }

  private async open(connection: ChannelModel): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.reopenTimer);
    let ch: ConfirmChannel;
    try {
      ch = await connection.createConfirmChannel();
    } catch (e) {
      this.lastError = (e as Error).message;
      this.scheduleReopen();
      return;
    }
    const gen = ++this.gen;
    this.channel = ch;
    this.returnedIds.clear();
    ch.on('return', (msg) => {
      const id = msg.properties.messageId as string | undefined;
      if (gen === this.gen) this.returnedIds.add(returnKey(id, msg.fields.exchange, msg.fields.routingKey));
    });
    this.closeReason = undefined;
    ch.on('error', (e: Error) => {
      this.lastError = e.message;
      if (gen === this.gen) this.closeReason = channelCloseOf(e);
      this.logger.warn(`publish channel error: ${e.message}`);
    });
    ch.on('close', () => this.onChannelClosed(gen));
    ch.on('drain', () => {
      if (gen === this.gen) {
        this.writable = true;
        this.drainBuffer();
      }
    });
    this.writable = true;
    this.lastError = undefined;
    this.drainBuffer();
  }

  private onChannelClosed(gen: number): void {
    if (gen !== this.gen) return;
    this.channel = undefined;
    this.writable = false;
    this.gen++;
    const close = this.closeReason;
    this.closeReason = undefined;
    if (close && PERMANENT_CLOSE_CODES.has(close.code)) this.rejectRefused(gen, close);
    // unconfirmed messages of the dead channel go back to the front of the buffer, in order
    const resend = this.unsettled.toArray().filter((p) => p.gen !== 0);
    for (const p of resend) p.gen = 0;
    this.buffer.unshift(...resend);
    if (!this.closed && this.connection.isConnected()) this.scheduleReopen();
  }

  /**
   * The broker closed the channel over a message it will always refuse (403/404/406): reject, with
   * reason 'channel-error', every unconfirmed message to the exchange the refusal names, or else the
   * oldest unconfirmed message of that channel (the broker handles a channel's publishes in order, so
   * it is the likeliest culprit); the others are written again on the next channel.
   */
  private rejectRefused(gen: number, close: ChannelClose): void {
    const dead = this.unsettled.toArray().filter((p) => p.gen === gen);
    for (const p of refusedPublishes(close, dead)) {
      this.settle(
        p,
        new PublishError(
          `broker refused "${p.routingKey}" (id ${p.messageId}) on exchange "${p.exchange}" for good (channel closed with ${close.code}: ${close.message}); not retried`,
          'channel-error',
          p.routingKey,
          p.messageId,
        ),
      );
    }
  }

  private scheduleReopen(): void {
    clearTimeout(this.reopenTimer);
    this.reopenTimer = setTimeout(() => {
      const c = this.connection.connection;
      if (c && !this.channel && !this.closed) void this.open(c);
    }, this.reopenDelayMs);
  }

  private drainBuffer(): void {
    while (this.writable && this.buffer.length > 0) {
      const p = this.buffer.shift()!;
      if (!p.settled) this.write(p);
    }
  }

  private write(p: PendingPublish): void {
    const ch = this.channel!;
    p.gen = this.gen;
    let ok: boolean;
    try {
      if (p.frame === undefined && p.options.headers !== undefined)
        p.frame = publishFrame(p.exchange, p.routingKey, p.options);
      ok = sendConfirmed(ch, p.frame, p.exchange, p.routingKey, p.content, p.options, p.onConfirm);
    } catch (e) {
      // channel closing under us: keep the message for the next channel
      p.gen = 0;
      this.buffer.unshift(p);
      this.writable = false;
      this.lastError = (e as Error).message;
      return;
    }
    if (!ok) this.writable = false;
  }

  /** amqplib's callback for a written message: the broker's ack or nack, or the channel's end. */
  confirmed(p: PendingPublish, err: Error | null): void {
    // settled already, or a callback of a dead channel after the message went back to the buffer
    if (p.settled || p.gen === 0) return;
    // amqplib fails every unconfirmed callback with 'channel closed' when the channel dies: the outcome is
    // unknown, so leave it for onChannelClosed, which writes it again on the next channel
    if (err && (err.message === 'channel closed' || p.gen !== this.gen)) return;
    const returned =
      this.returnedIds.size > 0 && this.returnedIds.delete(returnKey(p.messageId, p.exchange, p.routingKey));
    if (err) {
      this.settle(
        p,
        new PublishError(
          `broker nacked "${p.routingKey}" (id ${p.messageId})`,
          'nacked',
          p.routingKey,
          p.messageId,
        ),
      );
    } else if (returned) {
      this.settle(p, new UnroutableEventError(p.exchange, p.routingKey, p.messageId));
    } else {
      this.settle(p);
    }
  }

  private settle(p: PendingPublish, error?: Error): void {
    if (p.settled) return;
    p.settled = true;
    if (p.hold) this.holding--;
    this.unsettled.remove(p);
    p.done(error);
    if (this.unsettled.size === 0 && this.idleWaiters.length > 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private ensureSweep(): void {
    if (this.sweepTimer) return;
    const tick = Math.max(10, Math.min(250, Math.floor(this.timeoutMs / 10)));
    this.sweepTimer = setInterval(() => this.sweep(), tick);
    this.sweepTimer.unref();
  }

  private sweep(): void {
    const now = Date.now();
    const blocked = this.connection.blocked;
    let stalled = false;
    for (let p = this.unsettled.first, next; p; p = next) {
      next = p.next;
      if (p.hold && blocked !== undefined) {
        // a memory or disk alarm: the copy waits for the broker instead of being given back and
        // redelivered in a loop; its deadline starts again once the alarm clears
        p.deadline = now + this.timeoutMs;
        continue;
      }
      if (p.deadline > now) {
        // publishes share one timeout, so the rest are younger (held ones aside: their deadlines move)
        if (this.holding === 0) break;
        continue;
      }
      if (p.gen !== 0 && p.gen === this.gen) stalled = true;
      const where = p.gen === 0 ? 'waiting for a connection' : 'waiting for the broker confirm';
      const why = blocked !== undefined ? `; the broker blocks publishing: ${blocked}` : '';
      this.settle(
        p,
        new PublishError(
          `"${p.routingKey}" (id ${p.messageId}) not confirmed within ${this.timeoutMs} ms (${where}${why}${this.lastError ? `; last broker error: ${this.lastError}` : ''}); outcome unknown`,
          'timeout',
          p.routingKey,
          p.messageId,
        ),
      );
    }
    if (stalled && blocked === undefined) this.recycle(now);
    if (this.unsettled.size === 0) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
    }
  }

  /**
   * A message written on the current channel got no confirm within the timeout while the connection
   * is up and not blocked: the channel itself may be stuck (RabbitMQ 3.10 leaves a channel that
   * published to a quorum leader which froze without confirms, while a new channel works). Close it,
   * at most once per timeout: its other unconfirmed messages are written again on the next channel
   * (same ids: at-least-once).
   */
  private recycle(now: number): void {
    const ch = this.channel;
    if (!ch || !this.connection.isConnected() || now - this.lastRecycle < this.timeoutMs) return;
    this.lastRecycle = now;
    this.logger.warn(
      `no confirm within ${this.timeoutMs} ms on the publish channel while connected: replacing the channel (unconfirmed messages are sent again)`,
    );
    void ch.close().catch(() => undefined);
  }
}

/** Identifies a returned message: its id (if any), exchange and routing key. */
function returnKey(messageId: string | undefined, exchange: string, routingKey: string): string {
  return `${messageId ?? ''}\n${exchange}\n${routingKey}`;
}
