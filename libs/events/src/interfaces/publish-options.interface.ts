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
  /** Resolve only once a handler processed the event (see docs). */
  waitForDelivery?: boolean | { timeoutMs: number };
  /**
   * A TypeORM EntityManager inside a transaction: write the event to the outbox in that transaction
   * instead of publishing now (requires `persistence`).
   */
  transaction?: unknown;
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

export interface PublishItem<T = unknown> {
  type: string;
  data: T;
  options?: PublishOptions;
}
