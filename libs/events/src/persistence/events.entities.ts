import type { EntitySchema, EntitySchemaOptions } from 'typeorm';

/**
 * An entity schema TypeORM accepts, built without importing TypeORM: TypeORM recognizes entity schemas by
 * their `Symbol.for('EntitySchema')` marker (so that schemas from another copy of TypeORM work), which lets
 * `import 'nestjs-amqp-events'` stay free of TypeORM for apps that do not use persistence.
 */
function entitySchema<T>(options: EntitySchemaOptions<T>): EntitySchema<T> {
  return { '@instanceof': Symbol.for('EntitySchema'), options } as unknown as EntitySchema<T>;
}

/** A row of `events_inbox`: this consumer (handler queue) processed this event id (or idempotency key). */
export interface EventsInboxRow {
  eventId: string;
  consumer: string;
  /** Epoch milliseconds. */
  processedAt: string | number;
}

/** A row of `events_outbox`: an event written in a transaction, waiting for (or done with) the relay. */
export interface EventsOutboxRow {
  /** Ordering key: Postgres sequence `events_outbox_seq`, SQLite max(id) + 1. */
  id: string | number;
  eventId: string;
  eventType: string;
  correlationId: string | null;
  /** JSON of the envelope without `data`. */
  envelope: string;
  /** The serialized payload (JSON text), sent byte for byte. */
  payload: string;
  delayMs: string | number;
  /** Epoch milliseconds. */
  createdAt: string | number;
  /** Epoch milliseconds; null while pending. */
  sentAt: string | number | null;
}

export const INBOX_TABLE = 'events_inbox';
export const OUTBOX_TABLE = 'events_outbox';
export const OUTBOX_SEQUENCE = 'events_outbox_seq';

/**
 * The inbox table. Column types are valid on Postgres and SQLite alike, and match the exported migrations
 * exactly, so registering the entities never makes `migration:generate` propose changes.
 */
export const EventsInboxEntity = entitySchema<EventsInboxRow>({
  name: 'EventsInbox',
  tableName: INBOX_TABLE,
  columns: {
    eventId: {
      name: 'event_id',
      type: 'varchar',
      length: 255,
      primary: true,
      primaryKeyConstraintName: 'PK_events_inbox',
    },
    consumer: {
      name: 'consumer',
      type: 'varchar',
      length: 255,
      primary: true,
      primaryKeyConstraintName: 'PK_events_inbox',
    },
    processedAt: { name: 'processed_at', type: 'bigint' },
  },
  indices: [{ name: 'IDX_events_inbox_processed_at', columns: ['processedAt'] }],
});

/** The outbox table (see EventsInboxEntity about types). */
export const EventsOutboxEntity = entitySchema<EventsOutboxRow>({
  name: 'EventsOutbox',
  tableName: OUTBOX_TABLE,
  columns: {
    id: { name: 'id', type: 'bigint', primary: true, primaryKeyConstraintName: 'PK_events_outbox' },
    eventId: { name: 'event_id', type: 'varchar', length: 255 },
    eventType: { name: 'event_type', type: 'varchar', length: 255 },
    correlationId: { name: 'correlation_id', type: 'varchar', length: 255, nullable: true },
    envelope: { name: 'envelope', type: 'text' },
    payload: { name: 'payload', type: 'text' },
    delayMs: { name: 'delay_ms', type: 'bigint' },
    createdAt: { name: 'created_at', type: 'bigint' },
    sentAt: { name: 'sent_at', type: 'bigint', nullable: true },
  },
  indices: [
    { name: 'IDX_events_outbox_pending', columns: ['id'], where: '"sent_at" IS NULL' },
    {
      name: 'IDX_events_outbox_pending_correlation',
      columns: ['correlationId', 'id'],
      where: '"sent_at" IS NULL',
    },
    { name: 'IDX_events_outbox_sent_at', columns: ['sentAt'], where: '"sent_at" IS NOT NULL' },
  ],
});

/** Register these in your DataSource's `entities` if you want TypeORM to know the tables (optional). */
export const eventsEntities: EntitySchema[] = [EventsInboxEntity, EventsOutboxEntity] as EntitySchema[];
