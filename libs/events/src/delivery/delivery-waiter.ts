import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { DeliveryProcessor, EventsTransport, InboundMessage } from '../transport/events-transport.js';
import { DeliveryTimeoutError } from '../errors/delivery-timeout.error.js';
import { EventsError } from '../errors/events.error.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { decodeOutcome, type DeliveryOutcome } from './delivery-outcome.js';

/** A reply queue nobody consumes (its instance died) disappears after this long. */
const REPLY_QUEUE_EXPIRES_MS = 60_000;

interface Pending {
  resolve: (o: DeliveryOutcome) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface ExpectedOutcome {
  promise: Promise<DeliveryOutcome>;
  /** Stop waiting (the send failed): the promise is left pending and forgotten. */
  cancel(): void;
}

/**
 * Caller side of `waitForDelivery` and request/reply: one reply queue per application instance,
 * declared and consumed on the consume connection at first use (never before: fire-and-forget
 * publishing pays nothing). The queue is not exclusive, so it survives a reconnect with the replies
 * sent meanwhile; `x-expires` removes it once its instance is gone.
 */
export class DeliveryWaiter implements DeliveryProcessor {
  private readonly logger = new Logger(DeliveryWaiter.name);
  private readonly pending = new Map<string, Pending>();
  private readonly queue: string;
  private started: Promise<string> | undefined;
  private closed = false;

  constructor(
    private readonly transport: EventsTransport,
    options: ResolvedEventsOptions,
  ) {
    this.queue = `${options.service}.replies.${randomBytes(6).toString('hex')}`;
  }

  /** The reply queue's name; the first call declares it and starts consuming. */
  address(): Promise<string> {
    if (this.closed)
      return Promise.reject(new EventsError('cannot wait for a reply: the application is shutting down'));
    if (!this.started) {
      this.started = this.transport
        .consume([
          {
            queue: this.queue,
            prefetch: 200,
            ordered: false,
            topology: { exchanges: [], queues: [], bindings: [] },
            processor: this,
            transientExpiresMs: REPLY_QUEUE_EXPIRES_MS,
          },
        ])
        .then(() => this.queue);
      this.started.catch(() => (this.started = undefined));
    }
    return this.started;
  }

  /** Registers interest in the outcome for `id` (call before sending, so a fast reply is not missed). */
  expect(id: string, type: string, timeoutMs: number): ExpectedOutcome {
    let entry!: Pending;
    const promise = new Promise<DeliveryOutcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new DeliveryTimeoutError(type, id, timeoutMs));
      }, timeoutMs);
      timer.unref();
      entry = { resolve, reject, timer };
    });
    promise.catch(() => undefined); // the caller may still be sending when a timeout fires
    const previous = this.pending.get(id);
    if (previous) {
      clearTimeout(previous.timer);
      previous.reject(
        new EventsError(`another wait for id ${id} replaced this one (ids must be unique while waited for)`),
      );
    }
    this.pending.set(id, entry);
    return {
      promise,
      cancel: () => {
        if (this.pending.get(id) === entry) {
          clearTimeout(entry.timer);
          this.pending.delete(id);
        }
      },
    };
  }

  get waiting(): number {
    return this.pending.size;
  }

  /** An outcome arrived: settle its waiter (late or duplicate outcomes are dropped). */
  async process(msg: InboundMessage): Promise<'ack'> {
    const id = typeof msg.properties.correlationId === 'string' ? msg.properties.correlationId : undefined;
    const entry = id ? this.pending.get(id) : undefined;
    if (!id || !entry) {
      this.logger.debug(`dropping an outcome nobody waits for (correlation id ${id ?? '?'})`);
      return 'ack';
    }
    const outcome = decodeOutcome(msg.content);
    if (!outcome) {
      this.logger.warn(`dropping a malformed outcome for ${id}`);
      return 'ack';
    }
    clearTimeout(entry.timer);
    this.pending.delete(id);
    entry.resolve(outcome);
    return 'ack';
  }

  /** Stops waiting: every pending wait rejects (outcome unknown). */
  close(): void {
    this.closed = true;
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(
        new EventsError(
          `stopped waiting for the outcome of ${id}: the application is shutting down (outcome unknown)`,
        ),
      );
    }
    this.pending.clear();
  }
}
