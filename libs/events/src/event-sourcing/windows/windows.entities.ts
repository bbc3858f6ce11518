import type { EntitySchema, EntitySchemaOptions } from 'typeorm';

/** An entity schema TypeORM accepts (see persistence/events.entities.ts for why no TypeORM import). */
function entitySchema<T>(options: EntitySchemaOptions<T>): EntitySchema<T> {
  return { '@instanceof': Symbol.for('EntitySchema'), options } as unknown as EntitySchema<T>;
}

export const WINDOWS_TABLE = 'events_windows';
export const WINDOW_MARKS_TABLE = 'events_window_marks';

/** A row of `events_windows`: one tumbling window of one key of one aggregation. */
export interface EventsWindowRow {
  aggregation: string;
  windowKey: string;
  /** Epoch ms, inclusive. */
  windowStart: string | number;
  /** Epoch ms, exclusive. */
  windowEnd: string | number;
  /** Events counted on time (the emitted count). */
  eventCount: string | number;
  valueSum: number;
  /** Events that arrived after the window closed: counted here, never emitted. */
  lateCount: string | number;
  lateSum: number;
  /** 'open' | 'closed' */
  state: string;
  updatedAt: string | number;
  closedAt: string | number | null;
}

/** A row of `events_window_marks`: an aggregation's watermark. */
export interface EventsWindowMarkRow {
  aggregation: string;
  /** Epoch ms: windows ending at or before it are closed. */
  watermark: string | number;
  /** Latest recorded time read (epoch ms), null before the first event. */
  maxEventTime: string | number | null;
  updatedAt: string | number;
}

export const EventsWindowEntity = entitySchema<EventsWindowRow>({
  name: 'EventsWindow',
  tableName: WINDOWS_TABLE,
  columns: {
    aggregation: {
      name: 'aggregation',
      type: 'varchar',
      length: 255,
      primary: true,
      primaryKeyConstraintName: 'PK_events_windows',
    },
    windowKey: {
      name: 'window_key',
      type: 'varchar',
      length: 255,
      primary: true,
      primaryKeyConstraintName: 'PK_events_windows',
    },
    windowStart: {
      name: 'window_start',
      type: 'bigint',
      primary: true,
      primaryKeyConstraintName: 'PK_events_windows',
    },
    windowEnd: { name: 'window_end', type: 'bigint' },
    eventCount: { name: 'event_count', type: 'bigint' },
    valueSum: { name: 'value_sum', type: 'double precision' },
    lateCount: { name: 'late_count', type: 'bigint' },
    lateSum: { name: 'late_sum', type: 'double precision' },
    state: { name: 'state', type: 'varchar', length: 16 },
    updatedAt: { name: 'updated_at', type: 'bigint' },
    closedAt: { name: 'closed_at', type: 'bigint', nullable: true },
  },
  indices: [{ name: 'IDX_events_windows_due', columns: ['aggregation', 'state', 'windowEnd'] }],
});

export const EventsWindowMarkEntity = entitySchema<EventsWindowMarkRow>({
  name: 'EventsWindowMark',
  tableName: WINDOW_MARKS_TABLE,
  columns: {
    aggregation: {
      name: 'aggregation',
      type: 'varchar',
      length: 255,
      primary: true,
      primaryKeyConstraintName: 'PK_events_window_marks',
    },
    watermark: { name: 'watermark', type: 'bigint' },
    maxEventTime: { name: 'max_event_time', type: 'bigint', nullable: true },
    updatedAt: { name: 'updated_at', type: 'bigint' },
  },
});

/** Register these in your DataSource's `entities` if you want TypeORM to know the tables (optional). */
export const windowEntities: EntitySchema[] = [EventsWindowEntity, EventsWindowMarkEntity] as EntitySchema[];
