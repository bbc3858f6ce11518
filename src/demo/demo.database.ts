import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventsSqliteMigrations } from 'nestjs-amqp-events';
import { eventStoreSqliteMigrations } from 'nestjs-amqp-events/event-sourcing';
import { sagasSqliteMigrations } from 'nestjs-amqp-events/sagas';
import { DataSource } from 'typeorm';
import { OrderSummaryTable1764300000000 } from '../orders/order-summary.migration.js';

export interface DemoDatabase {
  dataSource: DataSource;
  file: string;
  /** Closes the DataSource and deletes the file. */
  dispose(): Promise<void>;
}

/**
 * The demo's embedded database: a fresh SQLite file (better-sqlite3) in a temporary directory, with the
 * library's migrations (inbox/outbox, event store, sagas) and the order-summary read model run, as an
 * app would at deploy time. Nothing is synchronised. A file, not `:memory:`: the library's outbox relay
 * opens its own connection to it. Deleted when the run ends.
 */
export async function openDemoDatabase(): Promise<DemoDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'orders-demo-'));
  const file = join(dir, 'orders.db');
  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database: file,
    enableWAL: true,
    migrations: [
      ...eventsSqliteMigrations,
      ...eventStoreSqliteMigrations,
      ...sagasSqliteMigrations,
      OrderSummaryTable1764300000000,
    ],
  });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
  } catch (e) {
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    dataSource,
    file,
    async dispose() {
      if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
