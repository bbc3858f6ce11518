import type { EntitySchema, EntitySchemaOptions } from 'typeorm';

/** An entity schema TypeORM accepts, built without importing TypeORM (see persistence/events.entities.ts). */
function entitySchema<T>(options: EntitySchemaOptions<T>): EntitySchema<T> {
  return { '@instanceof': Symbol.for('EntitySchema'), options } as unknown as EntitySchema<T>;
}

export const SAGAS_TABLE = 'events_sagas';
export const SCHEDULES_TABLE = 'events_schedules';

/** A row of `events_sagas` (times in epoch ms, JSON in text columns). */
export interface SagaRow {
  id: string;
  name: string;
  correlationKey: string;
  status: string;
  data: string;
  currentStep: number;
  stepAttempt: number;
  completedSteps: string;
  /** JSON of the events an awaitEvents step received so far, by type. */
  received: string | null;
  error: string | null;
  version: number;
  lockedUntil: string | number | null;
  startedAt: string | number;
  updatedAt: string | number;
}

/** A row of `events_schedules`: one recurring event. */
export interface ScheduleRow {
  name: string;
  eventType: string;
  data: string;
  intervalMs: string | number;
  /** Number of the next tick to fire (1-based). */
  nextTick: string | number;
  nextAt: string | number;
  version: number;
  createdAt: string | number;
}

/** Column types valid on Postgres and SQLite alike, matching the exported migrations. */
export const EventsSagaEntity = entitySchema<SagaRow>({
  name: 'EventsSaga',
  tableName: SAGAS_TABLE,
  columns: {
    id: {
      name: 'id',
      type: 'varchar',
      length: 255,
      primary: true,
      primaryKeyConstraintName: 'PK_events_sagas',
    },
    name: { name: 'name', type: 'varchar', length: 255 },
    correlationKey: { name: 'correlation_key', type: 'varchar', length: 255 },
    status: { name: 'status', type: 'varchar', length: 16 },
    data: { name: 'data', type: 'text' },
    currentStep: { name: 'current_step', type: 'integer' },
    stepAttempt: { name: 'step_attempt', type: 'integer' },
    completedSteps: { name: 'completed_steps', type: 'text' },
    received: { name: 'received', type: 'text', nullable: true },
    error: { name: 'error', type: 'text', nullable: true },
    version: { name: 'version', type: 'integer' },
    lockedUntil: { name: 'locked_until', type: 'bigint', nullable: true },
    startedAt: { name: 'started_at', type: 'bigint' },
    updatedAt: { name: 'updated_at', type: 'bigint' },
  },
  indices: [
    { name: 'IDX_events_sagas_status', columns: ['status', 'name'] },
    { name: 'IDX_events_sagas_correlation', columns: ['correlationKey'] },
  ],
});

export const EventsScheduleEntity = entitySchema<ScheduleRow>({
  name: 'EventsSchedule',
  tableName: SCHEDULES_TABLE,
  columns: {
    name: {
      name: 'name',
      type: 'varchar',
      length: 255,
      primary: true,
      primaryKeyConstraintName: 'PK_events_schedules',
    },
    eventType: { name: 'event_type', type: 'varchar', length: 255 },
    data: { name: 'data', type: 'text' },
    intervalMs: { name: 'interval_ms', type: 'bigint' },
    nextTick: { name: 'next_tick', type: 'bigint' },
    nextAt: { name: 'next_at', type: 'bigint' },
    version: { name: 'version', type: 'integer' },
    createdAt: { name: 'created_at', type: 'bigint' },
  },
});

/** Register these in your DataSource's `entities` if you want TypeORM to know the tables (optional). */
export const sagasEntities: EntitySchema[] = [EventsSagaEntity, EventsScheduleEntity] as EntitySchema[];
