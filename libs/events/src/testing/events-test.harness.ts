import type { EventEnvelope } from '../envelope/envelope.js';
import { EventsError } from '../errors/events.error.js';
import type { HeaderValue, PublishOptions, PublishReceipt } from '../interfaces/publish-options.interface.js';
import type { EventsRuntime } from '../runtime/events-runtime.js';
import type { DeliveryOutcomeKind } from '../runtime/runtime-observer.js';
import type { MemoryBroker } from '../transport/memory/memory-broker.js';

// captured at import, before a test calls jest.useFakeTimers(): the wait's own bound uses real time
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** An event as the harness saw it published. */
export interface PublishedEvent<T = unknown> {
  id: string;
  type: string;
  data: T;
  source: string;
  correlationId?: string;
  causationId?: string;
  headers: Record<string, HeaderValue>;
  options: PublishOptions;
  delay: number;
  /** Written to the outbox (published after the transaction commits). */
  outbox: boolean;
}

/** One delivery of one event to one handler, and what became of it. */
export interface HandlerDelivery {
  handler: string;
  queue: string;
  id: string | undefined;
  type: string | undefined;
  data: unknown;
  attempt: number;
  outcome: DeliveryOutcomeKind;
  reason?: string;
  error?: unknown;
  delayMs?: number;
}

/** An event parked in a handler's dead-letter queue. */
export interface DeadLetteredEvent {
  queue: string;
  handler: string;
  id: string | undefined;
  type: string | undefined;
  data: unknown;
  reason: string;
  attempts: number;
  error?: unknown;
}

function view(e: EventEnvelope | undefined): {
  id: string | undefined;
  type: string | undefined;
  data: unknown;
} {
  return { id: e?.id, type: e?.type, data: e?.data };
}

/**
 * What a test sees of the memory bus (`EventsTestingModule`): every event published, every delivery
 * with its outcome, every dead letter; `publish()` like `EventPublisher`; `waitForIdle()` until no
 * delivery, retry or delay is pending; `reset()` between tests.
 */
export class EventsTestHarness {
  readonly published: PublishedEvent[] = [];
  readonly deliveries: HandlerDelivery[] = [];
  readonly deadLettered: DeadLetteredEvent[] = [];

  constructor(
    private readonly runtime: EventsRuntime,
    private readonly broker: MemoryBroker,
  ) {
    runtime.observers.add({
      published: ({ envelope, options, delay, outbox }) =>
        this.published.push({
          id: envelope.id,
          type: envelope.type,
          data: envelope.data,
          source: envelope.source,
          correlationId: envelope.correlationId,
          causationId: envelope.causationId,
          headers: envelope.headers,
          options,
          delay,
          outbox,
        }),
      delivery: (r) => {
        this.deliveries.push({
          handler: r.handler,
          queue: r.queue,
          ...view(r.envelope),
          attempt: r.attempt,
          outcome: r.outcome,
          reason: r.reason,
          error: r.error,
          delayMs: r.delayMs,
        });
        if (r.outcome === 'dead-lettered') {
          this.deadLettered.push({
            queue: r.queue,
            handler: r.handler,
            ...view(r.envelope),
            reason: r.reason ?? 'unknown',
            attempts: r.attempt,
            error: r.error,
          });
        }
      },
    });
  }

  /** Publishes on the bus under test, exactly as `EventPublisher.publish` does. */
  publish<T = unknown>(type: string, data: T, options?: PublishOptions): Promise<PublishReceipt> {
    return this.runtime.publisher.publish(type, data, options);
  }

  /** Deliveries to one handler (`Class.method`), optionally of one event type. */
  deliveriesTo(handler: string, type?: string): HandlerDelivery[] {
    return this.deliveries.filter((d) => d.handler === handler && (type === undefined || d.type === type));
  }

  /**
   * Resolves once no delivery runs, no consumed queue holds a message and no retry or delay is pending.
   * With `jest.useFakeTimers()`, advance the clock (e.g. `await jest.advanceTimersByTimeAsync(ms)`)
   * for pending delays first: this wait does not move fake time. Rejects after `timeoutMs` of real
   * time, naming what is still pending.
   */
  waitForIdle(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 5000;
    return new Promise<void>((resolve, reject) => {
      const timer = realSetTimeout(
        () =>
          reject(
            new EventsError(
              `the event bus is not idle after ${timeoutMs} ms: ${this.broker.describePending()}`,
            ),
          ),
        timeoutMs,
      );
      void this.broker.whenIdle().then(() => {
        realClearTimeout(timer);
        resolve();
      });
    });
  }

  /** Forgets what was recorded (published, deliveries, dead letters); queues keep their messages. */
  reset(): void {
    this.published.length = 0;
    this.deliveries.length = 0;
    this.deadLettered.length = 0;
  }
}
