import type {
  CloudEventsMode,
  ErrorClass,
  EventsModuleOptions,
  EventsPersistenceOptions,
  QueueType,
  TransportKind,
} from '../interfaces/events-module-options.interface.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';

/** Options with every default applied; produced by `resolveOptions()`. */
export interface ResolvedEventsOptions {
  service: string;
  uris: string[];
  exchange: string;
  prefetch: number;
  retry: RetryPolicy;
  nonRetryableErrors: ErrorClass[];
  queueType: QueueType;
  transport: TransportKind;
  persistence?: EventsPersistenceOptions;
  shutdownTimeoutMs: number;
  connectTimeoutMs: number;
  heartbeatSeconds: number;
  reconnectDelayMs: number;
  publishTimeoutMs: number;
  maxBufferedPublishes: number;
  maxPayloadBytes: number;
  consume: boolean;
  startupTimeoutMs: number;
  /** Bus name; 'default' unless set. */
  name: string;
  /** Module-wide x-max-priority for handler queues; undefined = no priority queues. */
  maxPriority: number | undefined;
  cloudEvents: CloudEventsMode;
}

export type { EventsModuleOptions };
