import type { EntitySchema, EntitySchemaOptions } from 'typeorm';

/** An entity schema TypeORM accepts (see persistence/events.entities.ts for why no TypeORM import). */
function entitySchema<T>(options: EntitySchemaOptions<T>): EntitySchema<T> {
  return { '@instanceof': Symbol.for('EntitySchema'), options } as unknown as EntitySchema<T>;
}

export const STORE_TABLE = 'events_store';
export const SNAPSHOTS_TABLE = 'events_snapshots';
export const PROJECTIONS_TABLE = 'events_projections';

/** A row of `events_store`: one stored event. */
export interface EventsStoreRow {
  /** Global position (Postgres bigserial, SQLite autoincrement): total order of the store. */
  position: string | number;
  eventId: string;
  streamId: string;
  /** 1-based version within the stream; unique with streamId. */
  version: number;
  type: string;
  schemaVersion: number;
  /** JSON of the payload. */
  data: string;
  /** JSON of the metadata (correlation, causation, traceparent, source, headers). */
  metadata: string;
  correlationId: string | null;
  causationId: string | null;
  /** Epoch milliseconds. */
  recordedAt: string | number;
}

/** A row of `events_snapshots`: the latest snapshot of one stream. */
export interface EventsSnapshotRow {
  streamId: string;
  aggregateType: string;
  /** Stream version the snapshot includes. */
  version: number;
  /** The aggregate class's snapshot schema version; another version is ignored on load. */
  schemaVersion: number;
  state: string;
  takenAt: string | number;
}

/** A row of `events_projections`: a projection's checkpoint, state and lease. */
export interface EventsProjectionRow {
  name: string;
  /** Position of the last applied event (0 = none). */
  position: string | number;
  /** 'running' | 'failed' | 'rebuild-requested' */
  state: string;
  error: string | null;
  leaseOwner: string | null;
  /** Epoch milliseconds. */
  leaseUntil: string | number | null;
  updatedAt: string | number;
}

export const EventsStoreEntity = entitySchema<EventsStoreRow>({
  name: 'EventsStore',
  tableName: STORE_TABLE,
  columns: {
    position: {
      name: 'position',
      type: 'bigint',
      primary: true,
      generated: 'increment',
      primaryKeyConstraintName: 'PK_events_store',
    },
    eventId: { name: 'event_id', type: 'varchar', length: 255, unique: true },
    streamId: { name: 'stream_id', type: 'varchar', length: 255 },
    version: { name: 'version', type: 'integer' },
    type: { name: 'type', type: 'varchar', length: 255 },
    schemaVersion: { name: 'schema_version', type: 'integer' },
    data: { name: 'data', type: 'text' },
    metadata: { name: 'metadata', type: 'text' },
    correlationId: { name: 'correlation_id', type: 'varchar', length: 255, nullable: true },
    causationId: { name: 'causation_id', type: 'varchar', length: 255, nullable: true },
    recordedAt: { name: 'recorded_at', type: 'bigint' },
  },
  uniques: [{ name: 'UQ_events_store_stream_version', columns: ['streamId', 'version'] }],
  indices: [
    { name: 'IDX_events_store_type', columns: ['type', 'position'] },
    { name: 'IDX_events_store_correlation', columns: ['correlationId'] },
  ],
});

export const EventsSnapshotEntity = entitySchema<EventsSnapshotRow>({
  name: 'EventsSnapshot',
  tableName: SNAPSHOTS_TABLE,
  columns: {
    streamId: {
      name: 'stream_id',
      type: 'varchar',
      length: 255,
      primary: true,
      primaryKeyConstraintName: 'PK_events_snapshots',
    },
    aggregateType: { name: 'aggregate_type', type: 'varchar', length: 255 },
    version: { name: 'version', type: 'integer' },
    schemaVersion: { name: 'schema_version', type: 'integer' },
    state: { name: 'state', type: 'text' },
    takenAt: { name: 'taken_at', type: 'bigint' },
  },
});

export const EventsProjectionEntity = entitySchema<EventsProjectionRow>({
  name: 'EventsProjection',
  tableName: PROJECTIONS_TABLE,
  columns: {
    name: {
      name: 'name',
      type: 'varchar',
      length: 255,
      primary: true,
      primaryKeyConstraintName: 'PK_events_projections',
    },
    position: { name: 'position', type: 'bigint' },
    state: { name: 'state', type: 'varchar', length: 32 },
    error: { name: 'error', type: 'text', nullable: true },
    leaseOwner: { name: 'lease_owner', type: 'varchar', length: 255, nullable: true },
    leaseUntil: { name: 'lease_until', type: 'bigint', nullable: true },
    updatedAt: { name: 'updated_at', type: 'bigint' },
  },
});

/** Register these in your DataSource's `entities` if you want TypeORM to know the tables (optional). */
export const eventStoreEntities: EntitySchema[] = [
  EventsStoreEntity,
  EventsSnapshotEntity,
  EventsProjectionEntity,
] as EntitySchema[];
