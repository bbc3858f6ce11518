import type {
  CloudEventsMode,
  ErrorClass,
  PublishRateLimit,
  EventsModuleOptions,
  EventsPersistenceOptions,
  QueueType,
  TransportKind,
} from '../interfaces/events-module-options.interface.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import type { ResolvedTls } from './resolve-tls.js';

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
  enhancers: 'auto' | 'always';
  rateLimit: ResolvedRateLimit | undefined;
  encryption: ResolvedEncryption | undefined;
  /** Socket options of `amqps://` connections; undefined = Node's defaults. */
  tls: ResolvedTls | undefined;
  /** The AMQP `userId` every publish carries (`recordUserId`); undefined = none. */
  userId: string | undefined;
}

export type ResolvedRateLimit = Required<Omit<PublishRateLimit, 'types'>> & {
  types: Array<{ pattern: string; perSecond: number; burst: number }>;
};

export interface ResolvedEncryption {
  keys: Map<string, Buffer>;
  currentKeyId: string;
  types: string[];
}

export type { EventsModuleOptions };
