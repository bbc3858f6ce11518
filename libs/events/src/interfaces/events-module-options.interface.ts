import type { RetryPolicy } from './retry-policy.interface.js';

export type QueueType = 'classic' | 'quorum';
export type TransportKind = 'amqp' | 'memory';

/** Persistence (inbox/outbox) settings; see docs/idempotency-and-outbox.md. */
export interface EventsPersistenceOptions {
  /**
   * A TypeORM DataSource, `type: 'postgres'` or `type: 'better-sqlite3'` (a file, not `:memory:`), whose
   * database has the `events_inbox` / `events_outbox` tables (run `eventsPostgresMigrations` or
   * `eventsSqliteMigrations`). Initialized by the library if it is not yet; never destroyed by it.
   */
  dataSource: unknown;
  /** How long processed inbox rows are kept; a duplicate arriving later is processed again. @default 604800000 (7 days) */
  inboxRetentionMs?: number;
  /** How long sent outbox rows are kept before they are pruned. @default 604800000 (7 days) */
  outboxRetentionMs?: number;
  /** How often old inbox and outbox rows are pruned (0 = never). @default 60000 */
  pruneIntervalMs?: number;
  /** Rows deleted per statement when pruning, so pruning never holds long locks. @default 500 */
  pruneBatchSize?: number;
  /**
   * Run the outbox relay in this instance. Postgres: any number of instances may relay. SQLite: exactly one
   * process per database file should relay. @default true
   */
  relay?: boolean;
  /** Pause between outbox polls when the last poll found less than a full batch. @default 200 */
  relayIntervalMs?: number;
  /** Outbox rows claimed and sent per poll. @default 200 */
  relayBatchSize?: number;
}

/** Where the CloudEvents attributes travel: AMQP properties only, or also the `cloudEvents:*` headers. */
export type CloudEventsMode = 'properties' | 'headers';

/** Publish rate limit (docs/rate-limits-and-encryption.md). */
export interface PublishRateLimit {
  /** Events per second for this publisher (this bus in this process). */
  perSecond: number;
  /** Events that may go at once after a quiet period. @default perSecond */
  burst?: number;
  /** `'wait'`: a publish over the limit waits for its slot; `'fail'`: it rejects with RateLimitExceededError. @default 'wait' */
  whenLimited?: 'wait' | 'fail';
  /** With `'wait'`: the longest a publish waits before it rejects instead. @default 30000 */
  maxWaitMs?: number;
  /** Limits per event type pattern (`*`, `#` allowed), on top of the publisher's: the first matching pattern applies. */
  types?: Record<string, { perSecond: number; burst?: number }>;
}

export type ErrorClass = abstract new (...args: never[]) => Error;

export interface EventsModuleOptions {
  /** Names this service's queues (`{service}.{Class}.{method}`). Required. */
  service: string;
  /** AMQP URI, or a list of cluster nodes tried in turn. @default 'amqp://localhost:5672' */
  uri?: string | string[];
  /** Topic exchange every event goes through. @default 'events' */
  exchange?: string;
  /** Unacked deliveries per handler. @default 20 */
  prefetch?: number;
  /** Module-wide retry policy. @default { maxAttempts: 3, backoff: 'exponential', initialDelayMs: 1000, maxDelayMs: 60000, jitter: 0 } */
  retry?: Partial<RetryPolicy>;
  /** Error classes that go to the dead-letter queue at once (besides NonRetryableError). */
  nonRetryableErrors?: ErrorClass[];
  /** @default 'classic' */
  queueType?: QueueType;
  /** @default 'amqp' */
  transport?: TransportKind;
  persistence?: EventsPersistenceOptions;
  /** How long shutdown waits for in-flight handlers and confirms. @default 10000 */
  shutdownTimeoutMs?: number;
  /** TCP/AMQP connect timeout, so a dead or frozen host cannot hang startup. @default 10000 */
  connectTimeoutMs?: number;
  /** @default 10 */
  heartbeatSeconds?: number;
  /** Wait between reconnect attempts. @default 1000 */
  reconnectDelayMs?: number;
  /**
   * Longest a publish waits for the broker's confirm, including time spent waiting for a connection
   * during an outage. @default 10000
   */
  publishTimeoutMs?: number;
  /** Publishes held while disconnected; more are refused with PublishError('buffer-full'). @default 10000 */
  maxBufferedPublishes?: number;
  /** Largest serialized payload accepted by publish(). @default 1048576 (1 MiB) */
  maxPayloadBytes?: number;
  /** Start consuming at bootstrap. false = publish-only instance (CLIs, tests). @default true */
  consume?: boolean;
  /** Startup fails if the broker cannot be reached within this time. @default 30000 */
  startupTimeoutMs?: number;
  /**
   * Name of this bus, for apps that import `EventsModule` several times (DESIGN §14): inject its
   * publisher with `@InjectEventPublisher(name)`, subscribe with `@OnEvent(pattern, { bus: name })`.
   * @default 'default'
   */
  name?: string;
  /**
   * Opt-in priority queues: handler queues get `x-max-priority` (1..10) only when this (or the
   * handler's `maxPriority`) is set. @default undefined (no priority queues)
   */
  maxPriority?: number;
  /**
   * `'properties'`: CloudEvents attributes in AMQP properties only (compact). `'headers'`: also the
   * `cloudEvents:*` headers of the CloudEvents AMQP binding. Decoding accepts both. @default 'properties'
   */
  cloudEvents?: CloudEventsMode;
  /**
   * Nest's guards, interceptors, pipes and exception filters on `@OnEvent` handlers. `'auto'`: a
   * handler runs through Nest's pipeline when an enhancer is visible to the library (on its class or
   * method, a pipe on a parameter, or an `APP_GUARD`/`APP_INTERCEPTOR`/`APP_PIPE`/`APP_FILTER`
   * provider), and is called directly otherwise (about 10 µs less per delivery). `'always'`: every
   * handler runs through the pipeline — use it when enhancers are registered on the app object
   * (`app.useGlobalPipes(...)`), which a library cannot see. @default 'auto'
   */
  enhancers?: 'auto' | 'always';
  /** Limit how fast this bus publishes, so a batch job cannot flood a shared broker. @default no limit */
  rateLimit?: PublishRateLimit;
  /** Encrypt payloads (AES-256-GCM) so they are unreadable on the broker and in DLQs. @default off */
  encryption?: PayloadEncryptionOptions;
  /**
   * TLS for `amqps://` URIs (docs/security.md): the CA that signed the broker's certificate, a client
   * certificate and key when the broker asks for one, the host name to verify. Only with `amqps://`
   * URIs: together with an `amqp://` URI it is an error at startup. Without it, `amqps://` verifies the
   * broker against Node's bundled root CAs. @default undefined
   */
  tls?: EventsTlsOptions;
  /**
   * Record the publishing user: everything this bus publishes carries the AMQP `userId` property set to
   * the user of the connection URI (`guest` when the URI names none). RabbitMQ checks it against the
   * authenticated user and refuses a mismatch, so a consumer can trust `ctx.userId`. Every URI of a
   * node list must name the same user. @default false
   */
  recordUserId?: boolean;
}

/** PEM text, or a Buffer holding it (`readFileSync('ca.pem')`). */
export type PemInput = string | Buffer;

/**
 * TLS settings of the AMQP connections (`tls` module option), passed to Node's `tls.connect()`.
 * Key material is never logged nor shown in an error message.
 */
export interface EventsTlsOptions {
  /** CA certificate(s) the broker's certificate must chain to. @default Node's bundled root CAs */
  ca?: PemInput | PemInput[];
  /** Client certificate, for a broker that verifies its clients (`ssl_options.verify = verify_peer`). Needs `key`. */
  cert?: PemInput;
  /** Private key of `cert`. Needs `cert`. */
  key?: PemInput;
  /** Passphrase of an encrypted `key`. */
  passphrase?: string;
  /**
   * Host name the broker's certificate must name (and the SNI sent), when it is not the URI's host
   * (connecting by IP address, through a tunnel or a load balancer). @default the URI's host
   */
  servername?: string;
  /**
   * `false` accepts any broker certificate: encryption without authentication, open to a
   * man-in-the-middle. Tests only; logged as a warning at startup. @default true
   */
  rejectUnauthorized?: boolean;
}

/** Payload encryption (docs/rate-limits-and-encryption.md). */
export interface PayloadEncryptionOptions {
  /** Keys by id: 32 bytes each, as a Buffer or base64. Several keys for rotation: old ones keep decrypting. */
  keys: Record<string, Buffer | string>;
  /** Id of the key new events are encrypted with. */
  currentKeyId: string;
  /** Event type patterns to encrypt. @default ['#'] (every event) */
  types?: string[];
}
