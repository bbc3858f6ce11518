import { DataSource, type DataSourceOptions } from 'typeorm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventsPostgresMigrations, eventsSqliteMigrations } from 'nestjs-amqp-events';
import { uniqueName } from '../../support/broker.js';

export const PG = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  username: 'postgres',
  database: 'test',
};

export type Dialect = 'postgres' | 'sqlite';

/** A database of one test: a fresh Postgres schema (or SQLite file) with the library's migrations run. */
export interface TestDatabase {
  dialect: Dialect;
  /** Options to build more DataSources on the same database (another "instance"). */
  options: DataSourceOptions;
  /** The Postgres schema (unique per test) or the SQLite file. */
  where: string;
  /** Quoted table name in this database. */
  table(name: string): string;
  /** A new, initialized DataSource on this database (closed by drop()). */
  connect(extra?: Partial<DataSourceOptions>): Promise<DataSource>;
  /** Closes every DataSource made here and drops the schema / deletes the file. */
  drop(): Promise<void>;
}

export function postgresOptions(schema: string, extra: Partial<DataSourceOptions> = {}): DataSourceOptions {
  return {
    type: 'postgres',
    ...PG,
    schema,
    poolSize: 20,
    migrations: eventsPostgresMigrations,
    ...extra,
  } as DataSourceOptions;
}

/** Creates the database, runs the library's migrations (nothing uses synchronize), returns it. */
export async function createTestDatabase(
  dialect: Dialect,
  extra: Partial<DataSourceOptions> = {},
): Promise<TestDatabase> {
  const opened: DataSource[] = [];
  let options: DataSourceOptions;
  let where: string;
  let dir: string | undefined;
  if (dialect === 'postgres') {
    where = uniqueName('evt').replace(/-/g, '_');
    options = postgresOptions(where, extra);
  } else {
    dir = mkdtempSync(join(tmpdir(), 'evt-sqlite-'));
    where = join(dir, 'events.db');
    options = {
      type: 'better-sqlite3',
      database: where,
      enableWAL: true,
      migrations: eventsSqliteMigrations,
      ...extra,
    } as DataSourceOptions;
  }
  const connect = async (more: Partial<DataSourceOptions> = {}) => {
    const ds = new DataSource({ ...options, ...more } as DataSourceOptions);
    await ds.initialize();
    opened.push(ds);
    return ds;
  };
  const admin = await connect();
  if (dialect === 'postgres') await admin.query(`CREATE SCHEMA "${where}"`);
  await admin.runMigrations();
  return {
    dialect,
    options,
    where,
    table: (name) => (dialect === 'postgres' ? `"${where}"."${name}"` : `"${name}"`),
    connect,
    async drop() {
      for (const ds of opened.reverse()) if (ds.isInitialized) await ds.destroy().catch(() => undefined);
      if (dialect === 'postgres') {
        const ds = new DataSource({ type: 'postgres', ...PG } as DataSourceOptions);
        await ds.initialize();
        await ds.query(`DROP SCHEMA IF EXISTS "${where}" CASCADE`);
        await ds.destroy();
      } else if (dir) {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** An effects table without any unique key (so duplicates would show), id auto-assigned. */
export async function createEffectsTable(
  db: TestDatabase,
  ds: DataSource,
  name = 'effects',
): Promise<string> {
  const t = db.table(name);
  await ds.query(
    db.dialect === 'postgres'
      ? `CREATE TABLE ${t} (id bigserial PRIMARY KEY, event_id varchar(255) NOT NULL, note text)`
      : `CREATE TABLE ${t} (id integer PRIMARY KEY AUTOINCREMENT, event_id varchar(255) NOT NULL, note text)`,
  );
  return t;
}

export async function countRows(ds: DataSource, table: string, where = '1 = 1'): Promise<number> {
  const rows = (await ds.query(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`)) as Array<{
    n: string | number;
  }>;
  return Number(rows[0].n);
}
