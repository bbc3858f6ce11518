// Public API of 'nestjs-amqp-events/event-sourcing' (requires typeorm and @nestjs/cqrs).
export { EventSourcingModule } from './event-sourcing.module.js';
export {
  EVENT_SOURCING_MODULE_OPTIONS,
  EVENT_UPCASTER_REGISTRY,
} from './event-sourcing-module.definition.js';
export type { EventSourcingModuleOptions, ProjectionsOptions } from './event-sourcing.options.js';
export { EventStore } from './event-store.js';
export type {
  AppendOptions,
  AppendResult,
  ChainedEvent,
  ExpectedVersion,
  NewEvent,
  ReadAllOptions,
  ReplayFilter,
  ReplayOptions,
  StoredEvent,
  StoredEventMetadata,
} from './event-store.types.js';
export { AggregateRepository, type SaveOptions } from './aggregate.repository.js';
export {
  EventSourcedAggregate,
  type AggregateClass,
  type SnapshotPolicy,
} from './event-sourced-aggregate.js';
export { Projection, type ProjectionContext, type ProjectionReset } from './projection.decorator.js';
export { ProjectionService, type ProjectionStatus } from './projection.service.js';
export type { ProjectionState } from './projection-checkpoint.store.js';
export {
  buildUpcasterRegistry,
  currentSchemaVersion,
  upcastEvent,
  type EventUpcaster,
  type UpcasterRegistry,
} from './event-upcaster.js';
export {
  WindowedAggregation,
  type WindowedAggregationOptions,
  type WindowClosed,
} from './windows/windowed-aggregation.decorator.js';
export { WindowedAggregationService, type WindowQuery } from './windows/windowed-aggregation.service.js';
export type { WindowState } from './windows/window-state.store.js';
export {
  windowEntities,
  EventsWindowEntity,
  EventsWindowMarkEntity,
  type EventsWindowRow,
  type EventsWindowMarkRow,
} from './windows/windows.entities.js';
export {
  eventWindowsPostgresMigrations,
  EventWindowsPostgresInit1765000000000,
} from './migrations/windows-postgres.migration.js';
export {
  eventWindowsSqliteMigrations,
  EventWindowsSqliteInit1765000000000,
} from './migrations/windows-sqlite.migration.js';
export { causalOrder } from './causal-order.js';
export { STREAM_HEADERS } from './stream-headers.js';
export {
  eventStoreEntities,
  EventsStoreEntity,
  EventsSnapshotEntity,
  EventsProjectionEntity,
  type EventsStoreRow,
  type EventsSnapshotRow,
  type EventsProjectionRow,
} from './event-store.entities.js';
export {
  eventStorePostgresMigrations,
  EventStorePostgresInit1764000000000,
} from './migrations/event-store-postgres.migration.js';
export {
  eventStoreSqliteMigrations,
  EventStoreSqliteInit1764000000000,
} from './migrations/event-store-sqlite.migration.js';
export { WrongExpectedVersionError, ProjectionFailedError, UnknownProjectionError } from '../errors/index.js';
