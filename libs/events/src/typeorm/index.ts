// Public API of nestjs-amqp-events/typeorm: the inbox/outbox entities and migrations (Postgres, SQLite).
export {
  eventsEntities,
  EventsInboxEntity,
  EventsOutboxEntity,
  type EventsInboxRow,
  type EventsOutboxRow,
} from '../persistence/events.entities.js';
export {
  eventsPostgresMigrations,
  EventsPostgresInit1751328000000,
} from '../persistence/migrations/events-postgres.migration.js';
export {
  eventsSqliteMigrations,
  EventsSqliteInit1751328000000,
} from '../persistence/migrations/events-sqlite.migration.js';
