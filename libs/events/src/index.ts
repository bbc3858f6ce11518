// Public API of nestjs-amqp-events. Everything users import comes from here (and the subpaths
// nestjs-amqp-events/testing, /cqrs, /microservices, /typeorm, /event-sourcing, /sagas).
export { EventsModule } from './events.module.js';
export { EVENTS_MODULE_OPTIONS, type EventsModuleExtras } from './events-module.definition.js';
export { OnEvent } from './decorators/on-event.decorator.js';
export { EventData, EventCtx } from './decorators/event-params.decorator.js';
export { EventPublisher } from './publisher/event-publisher.js';
export { EventSubscriber, type Subscription, type SubscribeOptions } from './runtime/event-subscriber.js';
export {
  InjectEventPublisher,
  InjectEventSubscriber,
  getEventSubscriberToken,
  InjectDeadLetterService,
  getEventPublisherToken,
  getDeadLetterServiceToken,
  getEventsHealthToken,
  getEventsMetricsToken,
} from './nest/bus-tokens.js';
export { DeadLetterService, type DeadLetteredNotice } from './dead-letter/dead-letter.service.js';
export type { DeadLetter } from './dead-letter/dead-letter.js';
export { EventsHealthIndicator, type EventsHealthDetails } from './health/events-health.indicator.js';
export { EventsMetrics, type EventsMetricsSnapshot } from './observability/events-metrics.js';
export * from './errors/index.js';
export type {
  EventsModuleOptions,
  EventsPersistenceOptions,
  QueueType,
  TransportKind,
  ErrorClass,
  CloudEventsMode,
  PublishRateLimit,
  PayloadEncryptionOptions,
  EventsTlsOptions,
  PemInput,
} from './interfaces/events-module-options.interface.js';
export type { RetryPolicy, BackoffKind } from './interfaces/retry-policy.interface.js';
export type {
  PublishOptions,
  PublishReceipt,
  PublishItem,
  HeaderValue,
} from './interfaces/publish-options.interface.js';
export type { EventContext } from './interfaces/event-context.interface.js';
export type { OnEventOptions, HeaderFilter } from './interfaces/on-event-options.interface.js';
export {
  dynamicEvent,
  type EventMap,
  type EventPayload,
  type EventType,
  type DynamicEventType,
  type KnownEventType,
  type MatchingEventTypes,
  type PatternPayload,
} from './interfaces/event-map.interface.js';
export type { EventsTypeRegistry, EventsEntityManager } from './interfaces/entity-manager.interface.js';
export type { OnEventDecorator } from './decorators/on-event.decorator.js';
export { FanIn, type FanInEvent } from './sagas/fan-in.registry.js';
export { HEADERS } from './constants.js';
export { matchesPattern } from './routing/routing-pattern.js';
export { backoffDelay, backoffSchedule } from './retry/backoff.js';
export { maskUri } from './options/resolve-options.js';
/** @deprecated import entities and migrations from 'nestjs-amqp-events/typeorm'; kept here for one release. */
export {
  eventsEntities,
  EventsInboxEntity,
  EventsOutboxEntity,
  type EventsInboxRow,
  type EventsOutboxRow,
} from './persistence/events.entities.js';
/** @deprecated import from 'nestjs-amqp-events/typeorm'. */
export {
  eventsPostgresMigrations,
  EventsPostgresInit1751328000000,
} from './persistence/migrations/events-postgres.migration.js';
/** @deprecated import from 'nestjs-amqp-events/typeorm'. */
export {
  eventsSqliteMigrations,
  EventsSqliteInit1751328000000,
} from './persistence/migrations/events-sqlite.migration.js';
