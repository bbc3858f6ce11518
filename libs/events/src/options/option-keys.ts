import type {
  EventsModuleOptions,
  EventsPersistenceOptions,
  EventsTlsOptions,
} from '../interfaces/events-module-options.interface.js';
import type { OnEventOptions } from '../interfaces/on-event-options.interface.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import { keysOf } from './known-keys.js';

/** Every key of `EventsModuleOptions`; the compiler fails when a new option is not listed here. */
export const MODULE_OPTION_KEYS = keysOf<EventsModuleOptions>({
  service: true,
  uri: true,
  exchange: true,
  prefetch: true,
  retry: true,
  nonRetryableErrors: true,
  queueType: true,
  transport: true,
  persistence: true,
  shutdownTimeoutMs: true,
  connectTimeoutMs: true,
  heartbeatSeconds: true,
  reconnectDelayMs: true,
  publishTimeoutMs: true,
  maxBufferedPublishes: true,
  maxPayloadBytes: true,
  consume: true,
  startupTimeoutMs: true,
  name: true,
  maxPriority: true,
  cloudEvents: true,
  enhancers: true,
  rateLimit: true,
  encryption: true,
  tls: true,
  recordUserId: true,
});

export const RETRY_POLICY_KEYS = keysOf<RetryPolicy>({
  maxAttempts: true,
  backoff: true,
  initialDelayMs: true,
  maxDelayMs: true,
  jitter: true,
});

export const PERSISTENCE_OPTION_KEYS = keysOf<EventsPersistenceOptions>({
  dataSource: true,
  inboxRetentionMs: true,
  outboxRetentionMs: true,
  pruneIntervalMs: true,
  pruneBatchSize: true,
  relay: true,
  relayIntervalMs: true,
  relayBatchSize: true,
});

/** Every key of `@OnEvent` options. */
export const ON_EVENT_OPTION_KEYS = keysOf<OnEventOptions>({
  queue: true,
  retry: true,
  idempotent: true,
  idempotencyKey: true,
  transactional: true,
  prefetch: true,
  ordered: true,
  maxPriority: true,
  bus: true,
  filter: true,
  where: true,
});

/** Every key of the `tls` module option. */
export const TLS_OPTION_KEYS = keysOf<EventsTlsOptions>({
  ca: true,
  cert: true,
  key: true,
  passphrase: true,
  servername: true,
  rejectUnauthorized: true,
});
