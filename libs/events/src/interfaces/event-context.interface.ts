import type { EventsEntityManager } from './entity-manager.interface.js';
import type { EventPayload, EventType } from './event-map.interface.js';
import type { HeaderValue, PublishOptions, PublishReceipt } from './publish-options.interface.js';

/** What a handler knows about the delivery it is processing. */
export interface EventContext {
  readonly id: string;
  readonly type: string;
  readonly source: string;
  /** ISO-8601 time the event was published. */
  readonly time: string;
  /** 1-based; broker redeliveries count. */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly traceparent?: string;
  readonly priority: number;
  /** Schema version of the payload (`x-schema-version`; 1 when absent), after upcasting on the bus. */
  readonly schemaVersion: number;
  /** Application headers of the message (library headers removed). */
  readonly headers: Readonly<Record<string, HeaderValue>>;
  /** True when the broker delivered this message before (a consumer died holding it). */
  readonly redelivered: boolean;
  /** Queue the handler consumes from. */
  readonly queue: string;
  /**
   * AMQP `userId` of the delivered message: the broker user that published it, checked by RabbitMQ
   * (publishers with `recordUserId`). Retry copies carry the consuming service's user when it records
   * its own, else none. Undefined when the publisher did not set it.
   */
  readonly userId?: string;
  /**
   * TypeORM EntityManager of the handler's transaction (with `transactional: true`). Typed as
   * `EntityManager` once registered (import `nestjs-amqp-events/typeorm`, or see `EventsTypeRegistry`).
   */
  readonly manager?: EventsEntityManager;
  /**
   * Publish a follow-up event; correlationId is kept, causationId = this event's id, traceparent carried.
   * Type and payload are checked against `EventMap` like `EventPublisher.publish`.
   */
  publish<T = unknown, K extends EventType = EventType>(
    type: K,
    data: EventPayload<K, T>,
    options?: PublishOptions,
  ): Promise<PublishReceipt>;
}
