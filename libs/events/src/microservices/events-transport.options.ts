import type { EventsModuleOptions } from '../interfaces/events-module-options.interface.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';

/** `new EventsTransport(options)`: the EventsModule options (`service` required, `uri`, `exchange`, `retry`, ...). */
export type EventsTransportOptions = EventsModuleOptions;

export interface EventsClientOptions extends EventsModuleOptions {
  /** How long `send()` waits for the reply before failing with DeliveryTimeoutError. @default 30000 */
  timeoutMs?: number;
}

/**
 * Extras of `@EventPattern(pattern, extras)`: the handler's queue and retry policy.
 * Queue default: `{service}.{pattern}` (`*` → `star`, `#` → `hash`).
 */
export interface EventPatternExtras {
  queue?: string;
  /** Merged over the transport's `retry`; `false` = one attempt. */
  retry?: Partial<RetryPolicy> | false;
  prefetch?: number;
  ordered?: boolean;
}

/**
 * Extras of `@MessagePattern(pattern, extras)`. Queue default: `{service}.rpc.{pattern}`.
 * Requests are not retried unless `retry` marks them safe to (`true` = the transport's policy).
 */
export interface MessagePatternExtras {
  queue?: string;
  retry?: Partial<RetryPolicy> | boolean;
  prefetch?: number;
}
