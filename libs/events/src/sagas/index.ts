// Public API of nestjs-amqp-events/sagas: durable sagas with compensation, fan-in, recurring schedules.
export { SagasModule, RESOLVED_SAGAS_OPTIONS } from './sagas.module.js';
export type { SagasModuleOptions } from './sagas-options.js';
export { SagaOrchestrator } from './saga.orchestrator.js';
export { EventScheduler } from './event-scheduler.js';
export type { Schedule } from './schedule.store.js';
export { FanIn, type FanInEvent } from './fan-in.registry.js';
export {
  SagaMetrics,
  type SagaMetricsSnapshot,
  type SagaCounts,
  type SagaOutcome,
} from '../observability/saga-metrics.js';
export type {
  SagaDefinition,
  SagaStep,
  SagaStepContext,
  SagaAwaitEvents,
  SagaInstance,
  SagaStatus,
  SagaStartOptions,
  SagaListFilter,
  ReceivedEvents,
} from './saga-definition.interface.js';
export type { SagaLifecycleEvent } from './saga-messages.js';
export {
  sagasEntities,
  EventsSagaEntity,
  EventsScheduleEntity,
  type SagaRow,
  type ScheduleRow,
} from './saga.entities.js';
export {
  sagasPostgresMigrations,
  SagasPostgresInit1764200000000,
} from './migrations/sagas-postgres.migration.js';
export { sagasSqliteMigrations, SagasSqliteInit1764200000000 } from './migrations/sagas-sqlite.migration.js';
