import type { EventEnvelope } from '../envelope/envelope.js';
import type { EventsEntityManager } from '../interfaces/entity-manager.interface.js';
import type { EventContext } from '../interfaces/event-context.interface.js';
import type { EventPayload, EventType } from '../interfaces/event-map.interface.js';
import type { HeaderValue, PublishOptions, PublishReceipt } from '../interfaces/publish-options.interface.js';

export type FollowUpPublisher = (
  type: string,
  data: unknown,
  options?: PublishOptions,
) => Promise<PublishReceipt>;

/** The `EventContext` handed to a handler for one delivery. */
export class DeliveryContext implements EventContext {
  readonly id: string;
  readonly type: string;
  readonly source: string;
  readonly time: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly traceparent?: string;
  readonly priority: number;
  readonly schemaVersion: number;
  readonly headers: Readonly<Record<string, HeaderValue>>;
  readonly userId?: string;
  manager?: EventsEntityManager;

  constructor(
    envelope: EventEnvelope,
    readonly attempt: number,
    readonly maxAttempts: number,
    readonly redelivered: boolean,
    readonly queue: string,
    private readonly publisher: FollowUpPublisher,
  ) {
    this.id = envelope.id;
    this.type = envelope.type;
    this.source = envelope.source;
    this.time = envelope.time;
    this.correlationId = envelope.correlationId;
    this.causationId = envelope.causationId;
    this.traceparent = envelope.traceparent;
    this.priority = envelope.priority;
    this.schemaVersion = envelope.schemaVersion ?? 1;
    this.headers = envelope.headers;
    this.userId = envelope.userId;
  }

  /** Follow-up event: correlationId kept (or this event's id), causationId = this event's id, traceparent carried. */
  publish<T = unknown, K extends EventType = EventType>(
    type: K,
    data: EventPayload<K, T>,
    options: PublishOptions = {},
  ): Promise<PublishReceipt> {
    return this.publisher(type, data, {
      ...options,
      correlationId: options.correlationId ?? this.correlationId ?? this.id,
      causationId: options.causationId ?? this.id,
      traceparent: options.traceparent ?? this.traceparent,
      transaction: options.transaction ?? this.manager,
    });
  }
}
