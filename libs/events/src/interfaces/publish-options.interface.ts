import type { EventsEntityManager } from './entity-manager.interface.js';
import type { EventPayload, EventType } from './event-map.interface.js';
import type { RetryPolicy } from './retry-policy.interface.js';

export type HeaderValue = string | number | boolean | null;

export interface PublishOptions {
  /** 0..10. @default 5 */
  priority?: number;
  /** Deliver after this many ms (0 .. ~49 days). @default 0 */
  delay?: number;
  /** Retry policy carried with the event, used by handlers that set none. */
  retry?: Partial<RetryPolicy>;
  /** CloudEvents source. @default the module's `service` */
  source?: string;
  /** Event id (messageId). @default a random UUID v4 */
  id?: string;
  correlationId?: string;
  causationId?: string;
  /** W3C trace context. @default taken from the active OpenTelemetry span, if any */
  traceparent?: string;
  /** Extra application headers (string, number, boolean or null values). Library headers are refused. */
  headers?: Record<string, HeaderValue>;
  /**
   * Schema version of the payload (sent as `x-schema-version` when above 1; handlers' upcasters turn
   * older versions into the current one). @default the current version of the type's upcasters, else 1
   */
  schemaVersion?: number;
  /** Resolve only once a handler processed the event (see docs). */
  waitForDelivery?: boolean | { timeoutMs: number };
  /**
   * A TypeORM EntityManager inside a transaction: write the event to the outbox in that transaction
   * instead of publishing now (requires `persistence`). Typed as `EntityManager` once registered.
   */
  transaction?: EventsEntityManager;
}

/** What a resolved `publish()` tells you. */
export interface PublishReceipt {
  id: string;
  type: string;
  /** True when the broker confirmed it; false when it was written to the outbox. */
  confirmed: boolean;
  /** True when written to the outbox, to be relayed after the transaction commits. */
  outbox: boolean;
}

/**
 * One event of `publishAll()`. Once `EventMap` is declared, a union with one member per event type, so
 * each item's payload is checked against its `type`.
 */
export type PublishItem<K extends EventType = EventType> = K extends unknown
  ? { type: K; data: EventPayload<K>; options?: PublishOptions }
  : never;
