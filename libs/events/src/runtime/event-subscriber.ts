import type { EventContext } from '../interfaces/event-context.interface.js';
import type { OnEventOptions } from '../interfaces/on-event-options.interface.js';
import type { EventsRuntime } from './events-runtime.js';
import { handlerNames } from './handler-names.js';
import { buildRegistration } from './handler-registration.builder.js';

/** Options of a run-time subscription: those of `@OnEvent`, but not `bus` (the subscriber's bus). */
export type SubscribeOptions = Omit<OnEventOptions, 'bus'>;

/** A subscription made at run time. */
export interface Subscription {
  readonly queue: string;
  readonly patterns: readonly string[];
  /**
   * Stops delivery (in-flight deliveries finish). By default also deletes what it declared (queue,
   * DLQ, filter exchange); `keepQueue: true` keeps them, so events keep collecting for a later
   * subscription to the same queue.
   */
  unsubscribe(options?: { keepQueue?: boolean }): Promise<void>;
}

/**
 * Subscribes handlers at run time, for plugins, tenants or tools that learn what to listen to after
 * startup: `subscribe(pattern, handler, options)` gets the same queue-per-handler topology, retries,
 * dead letters, filters and metrics as an `@OnEvent` method, and resolves once it consumes. Inject it
 * (`EventSubscriber`, or `@InjectEventSubscriber(name)` for a named bus).
 */
export class EventSubscriber {
  constructor(private readonly runtime: EventsRuntime) {}

  async subscribe<T = unknown>(
    pattern: string | string[],
    handler: (data: T, ctx: EventContext) => unknown,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const patterns = Array.isArray(pattern) ? pattern : [pattern];
    const service = this.runtime.options.service;
    const built = buildRegistration(
      {
        name: `subscribe(${patterns.join(', ')})`,
        patterns,
        defaultQueue: handlerNames.subscription(service, patterns[0] ?? 'none'),
        options,
        invoke: handler as (data: unknown, ctx: EventContext) => unknown,
      },
      this.runtime.options,
    );
    await this.runtime.subscribe([built]);
    const { queue } = built.reg;
    return {
      queue,
      patterns: built.reg.patterns,
      unsubscribe: (o = {}) => this.runtime.unsubscribe(queue, { deleteQueue: !o.keepQueue }),
    };
  }
}
