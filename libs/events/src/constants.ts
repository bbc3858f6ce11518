/** Metadata keys and DI tokens. Symbols, so they never collide with other libraries' keys. */
export const ON_EVENT_METADATA = Symbol('nestjs-amqp-events:on-event');
export const EVENT_TRANSPORT = Symbol('nestjs-amqp-events:transport');
export const RESOLVED_EVENTS_OPTIONS = Symbol('nestjs-amqp-events:resolved-options');
/** Parameter metadata of `@OnEvent` handlers (a string: Nest's ExternalContextCreator reads it by key). */
export const HANDLER_ARGS_METADATA = 'nestjs-amqp-events:handler-args';
/** On a `@Projection(name)` class: its `@OnEvent` methods are fed from the event store, not from a queue. */
export const PROJECTION_METADATA = Symbol('nestjs-amqp-events:projection');
/** Name of the bus of an `EventsModule.forRoot()` without `name`. */
export const DEFAULT_BUS = 'default';
/** In an `@OnEvent` pattern or `queue` option: replaced by the bus's `service` name. */
export const SERVICE_PLACEHOLDER = '{service}';

/** Header names the library owns. Users cannot set these through `PublishOptions.headers`. */
export const HEADERS = {
  ceSpecVersion: 'cloudEvents:specversion',
  ceId: 'cloudEvents:id',
  ceSource: 'cloudEvents:source',
  ceType: 'cloudEvents:type',
  ceTime: 'cloudEvents:time',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  causationId: 'x-causation-id',
  attempt: 'x-attempt',
  retryPolicy: 'x-retry-policy',
  /** Schema version of the event's data, only when above 1 (DESIGN §3, §12). */
  schemaVersion: 'x-schema-version',
  firstFailureAt: 'x-first-failure-at',
  // dead-letter headers (see docs/retries.md)
  deadLetterReason: 'x-dead-letter-reason',
  errorName: 'x-error-name',
  errorMessage: 'x-error-message',
  errorStack: 'x-error-stack',
  /** Structured error detail (e.g. a ValidationPipe's messages), JSON. */
  errorDetails: 'x-error-details',
  attempts: 'x-attempts',
  originalExchange: 'x-original-exchange',
  originalRoutingKey: 'x-original-routing-key',
  originalQueue: 'x-original-queue',
  handler: 'x-handler',
  failedAt: 'x-failed-at',
  host: 'x-host',
  // routing headers of the delay infrastructure; no `x-` prefix: headers exchanges ignore x-* binding args
  delayTarget: 'nae-delay-target',
  delayBitPrefix: 'nae-delay-',
  replayedAt: 'x-replayed-at',
  /** Key id of an encrypted payload (module option `encryption`). */
  encryptionKey: 'x-encryption-key',
  // request/reply and waitForDelivery (see docs/cqrs.md): where the handler reports its outcome
  replyTo: 'x-reply-to',
  replyCorrelationId: 'x-reply-correlation-id',
  replyWithResult: 'x-reply-result',
  replyFormat: 'x-reply-format',
} as const;

/** Headers a user may not set, and that are stripped from any copy we republish. */
export const RESERVED_HEADER_PREFIXES = [
  'cloudEvents:',
  'nae-',
  'x-death',
  'x-first-death-',
  'x-last-death-',
];
export const RESERVED_HEADER_NAMES = new Set<string>([
  'CC',
  'BCC',
  'cc',
  'bcc',
  HEADERS.traceparent,
  HEADERS.tracestate,
  HEADERS.causationId,
  HEADERS.attempt,
  HEADERS.retryPolicy,
  HEADERS.schemaVersion,
  HEADERS.firstFailureAt,
  HEADERS.deadLetterReason,
  HEADERS.errorName,
  HEADERS.errorMessage,
  HEADERS.errorStack,
  HEADERS.errorDetails,
  HEADERS.attempts,
  HEADERS.originalExchange,
  HEADERS.originalRoutingKey,
  HEADERS.originalQueue,
  HEADERS.handler,
  HEADERS.failedAt,
  HEADERS.host,
  HEADERS.replayedAt,
  HEADERS.encryptionKey,
  HEADERS.replyTo,
  HEADERS.replyCorrelationId,
  HEADERS.replyWithResult,
  HEADERS.replyFormat,
  'x-delivery-count',
]);

export const MAX_PRIORITY = 10;
export const DEFAULT_PRIORITY = 5;
/** Delay levels 0..31: level k holds a message 2^k ms, so any delay up to 2^32-1 ms (~49.7 days) is reachable. */
export const DELAY_LEVELS = 32;
export const MAX_DELAY_MS = 2 ** DELAY_LEVELS - 1;
