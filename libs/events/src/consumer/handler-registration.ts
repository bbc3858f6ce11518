import type { EventContext } from '../interfaces/event-context.interface.js';
import type { OnEventOptions } from '../interfaces/on-event-options.interface.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';

/** One discovered handler, as data: what the explorer produces and the consumer subscribes. */
export interface HandlerRegistration {
  /** `Class.method` */
  name: string;
  queue: string;
  patterns: string[];
  options: OnEventOptions;
  /** The handler's own policy merged over the module default; undefined = use the publisher's or the default. */
  retry: RetryPolicy | undefined;
  prefetch: number;
  invoke: (data: unknown, ctx: EventContext) => unknown;
}
