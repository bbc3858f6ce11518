import { eventsPostgresMigrations, eventsSqliteMigrations } from 'nestjs-amqp-events';
import { eventStorePostgresMigrations, eventStoreSqliteMigrations } from 'nestjs-amqp-events/event-sourcing';
import type { DataSourceOptions } from 'typeorm';
import { createTestDatabase, type Dialect, type TestDatabase } from '../../persistence/support/databases.js';

/** A fresh Postgres schema (or SQLite file) with the inbox/outbox AND event-store migrations run. */
export function createEventStoreDatabase(
  dialect: Dialect,
  extra: Partial<DataSourceOptions> = {},
): Promise<TestDatabase> {
  const migrations =
    dialect === 'postgres'
      ? [...eventsPostgresMigrations, ...eventStorePostgresMigrations]
      : [...eventsSqliteMigrations, ...eventStoreSqliteMigrations];
  return createTestDatabase(dialect, { migrations, ...extra } as Partial<DataSourceOptions>);
}

export type { Dialect, TestDatabase };
