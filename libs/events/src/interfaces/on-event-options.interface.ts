import type { EventContext } from './event-context.interface.js';
import type { RetryPolicy } from './retry-policy.interface.js';

export interface OnEventOptions {
  /** Queue name. @default `{service}.{Class}.{method}` (class decorator: `{service}.{Class}`) */
  queue?: string;
  /** Retry policy for this handler, merged over the module default; `false` = one attempt. */
  retry?: Partial<RetryPolicy> | false;
  /** Skip deliveries whose event id this handler already processed (inbox; needs `persistence`). */
  idempotent?: boolean;
  /** Key for the inbox instead of the event id. */
  idempotencyKey?: (data: unknown, ctx: EventContext) => string;
  /** Run in a transaction (`ctx.manager`), committing the inbox row with it (needs `persistence`). */
  transactional?: boolean;
  /** Unacked deliveries in flight for this handler. @default the module's `prefetch` */
  prefetch?: number;
  /** Single active consumer, one message at a time: keeps queue order on the happy path. */
  ordered?: boolean;
  /** Make this handler's queue a priority queue (`x-max-priority`, 1..10). @default the module's `maxPriority` */
  maxPriority?: number;
  /** Name of the bus (an `EventsModule.forRoot({ name })`) to subscribe on. @default the default bus */
  bus?: string;
  /**
   * Broker-side filter on application headers: only events whose headers match reach this handler's
   * queue (a headers exchange in front of it), so the others never cross the network. Header names
   * must not start with `x-` (RabbitMQ ignores those in bindings). See docs/filters-and-subscriptions.md.
   */
  filter?: HeaderFilter;
  /**
   * Consumer-side predicate on the payload and context: a delivery it refuses is acked without running
   * the handler, counted as `skipped` in the metrics. Runs before pipes and guards.
   */
  where?: (data: unknown, ctx: EventContext) => boolean;
}

/** Match events by application headers: all listed values (default) or any of them. */
export interface HeaderFilter {
  headers: Record<string, string | number | boolean>;
  match?: 'all' | 'any';
}
