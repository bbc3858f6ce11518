import { Logger } from '@nestjs/common';
import type { DataSource, DataSourceOptions, EntityManager, QueryRunner } from 'typeorm';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { maskUri } from '../options/resolve-options.js';
import { PersistenceSetupError } from '../errors/persistence-setup.error.js';
import { TransientError } from '../errors/transient.error.js';
import { AsyncMutex } from './async-mutex.js';
import { checkEventsTables } from './check-tables.js';
import { isSqliteBusy } from './database-errors.js';
import { EventsSql } from './events-sql.js';
import { dialectOf, type SqlDialect } from './sql-names.js';

const BUSY_RETRIES = 6;

/** The part of a node-postgres client the inbox's fast path uses. */
export interface PgClient {
  query(sql: string): Promise<unknown>;
  escapeLiteral(value: string): string;
  on(event: 'error', listener: (err: Error) => void): unknown;
  off(event: 'error', listener: (err: Error) => void): unknown;
}

interface PostgresDriverLike {
  obtainMasterConnection?: () => Promise<[PgClient, (err?: unknown) => void]>;
}

function isDataSource(value: unknown): value is DataSource {
  const ds = value as Partial<DataSource> | null;
  return (
    !!ds &&
    typeof ds === 'object' &&
    typeof ds.createQueryRunner === 'function' &&
    typeof ds.options === 'object'
  );
}

/**
 * The library's access to the inbox/outbox database. Postgres: the app's DataSource and its pool.
 * SQLite: TypeORM runs everything on one better-sqlite3 connection, where a transaction that spans an
 * async handler would swallow unrelated writes of the app; so the library opens its own connection to the
 * same file and runs its work there one unit at a time.
 */
export class PersistenceDatabase {
  readonly logger = new Logger('EventsPersistence');
  private readonly mutex = new AsyncMutex();
  private closed = false;
  private lockedUntil = 0;

  private constructor(
    readonly app: DataSource,
    private readonly own: DataSource,
    readonly sql: EventsSql,
  ) {}

  static async open(dataSource: unknown): Promise<PersistenceDatabase> {
    if (!isDataSource(dataSource)) {
      throw new InvalidOptionsError('persistence.dataSource', 'expected a TypeORM DataSource');
    }
    const type = (dataSource.options as { type?: unknown }).type;
    const dialect = dialectOf(type);
    if (!dialect) {
      throw new InvalidOptionsError(
        'persistence.dataSource',
        `type ${JSON.stringify(type)} is not supported; use 'postgres' or 'better-sqlite3'`,
      );
    }
    const database = (dataSource.options as { database?: unknown }).database;
    if (
      dialect === 'sqlite' &&
      (typeof database !== 'string' || database === '' || database.startsWith(':memory:'))
    ) {
      throw new InvalidOptionsError(
        'persistence.dataSource',
        'SQLite needs a database file (not :memory:), so the inbox and outbox survive restarts',
      );
    }
    if (!dataSource.isInitialized)
      await initializeNamed(dataSource, 'the persistence DataSource (EventsModule `persistence.dataSource`)');
    let own = dataSource;
    if (dialect === 'sqlite') {
      const Ctor = dataSource.constructor as new (options: DataSourceOptions) => DataSource;
      own = new Ctor({
        ...dataSource.options,
        synchronize: false,
        migrationsRun: false,
        dropSchema: false,
      } as DataSourceOptions);
      await initializeNamed(own, "the library's own connection to the persistence SQLite file");
    }
    const schema = (dataSource.options as { schema?: string }).schema;
    const db = new PersistenceDatabase(dataSource, own, new EventsSql(dialect, schema));
    try {
      await checkEventsTables(db, db.logger);
    } catch (e) {
      await db.close();
      throw e;
    }
    return db;
  }

  get dialect(): SqlDialect {
    return this.sql.dialect;
  }

  /** Pool size the app configured (Postgres), or 1 (SQLite). */
  get connections(): number {
    if (this.dialect === 'sqlite') return 1;
    const o = this.app.options as { poolSize?: number; extra?: { max?: number } };
    return o.extra?.max ?? o.poolSize ?? 10;
  }

  /**
   * True when `manager` writes to this database: the app's DataSource, the library's own SQLite
   * connection, or another DataSource on the same database (type, host, port, database, schema).
   */
  owns(manager: EntityManager): boolean {
    const ds = manager.dataSource;
    if (ds === this.app || ds === this.own) return true;
    const key = (o: object) => {
      const { type, host, port, database, schema, url } = o as Record<string, unknown>;
      return JSON.stringify([
        type,
        host ?? null,
        port ?? null,
        database ?? null,
        schema ?? null,
        url ?? null,
      ]);
    };
    return !!ds?.options && key(ds.options) === key(this.app.options);
  }

  /**
   * Runs `work` on one connection of the library (on SQLite: exclusively, retrying SQLITE_BUSY when
   * `retryBusy`). Postgres connections come from the app's pool and go back to it afterwards.
   */
  async session<T>(work: (qr: QueryRunner) => Promise<T>, retryBusy = false): Promise<T> {
    if (this.closed) throw new TransientError('the events persistence is stopped');
    if (this.dialect === 'postgres') {
      const qr = this.own.createQueryRunner();
      try {
        return await work(qr);
      } finally {
        await qr.release().catch(() => undefined);
      }
    }
    return this.mutex.run(async () => {
      for (let attempt = 1; ; attempt++) {
        const qr = this.own.createQueryRunner();
        try {
          return await work(qr);
        } catch (e) {
          if (!retryBusy || !isSqliteBusy(e) || attempt >= BUSY_RETRIES) throw e;
          await new Promise((r) => setTimeout(r, 10 * 2 ** attempt));
        }
      }
    });
  }

  /**
   * SQLite stayed locked by another connection through the retries: for `ms`, work queued behind it fails
   * fast (TransientError, retried later) instead of each waiting out the busy timeout in turn.
   */
  markLocked(ms = 1000): void {
    this.lockedUntil = Date.now() + ms;
  }

  get locked(): boolean {
    return Date.now() < this.lockedUntil;
  }

  /**
   * A raw node-postgres client from the app's pool (release it, passing the error when the connection broke),
   * or undefined when the driver does not offer one.
   */
  async pgClient(): Promise<{ client: PgClient; release: (err?: unknown) => void } | undefined> {
    if (this.closed) throw new TransientError('the events persistence is stopped');
    const driver = this.own.driver as unknown as PostgresDriverLike;
    if (this.dialect !== 'postgres' || typeof driver.obtainMasterConnection !== 'function') return undefined;
    const [client, release] = await driver.obtainMasterConnection();
    if (typeof client?.escapeLiteral !== 'function') {
      release();
      return undefined;
    }
    return { client, release };
  }

  /**
   * Closes the library's own SQLite connection. On Postgres there is nothing of ours to close: the app's
   * DataSource (and its pool) stays usable until the app destroys it.
   */
  async close(): Promise<void> {
    if (this.closed || this.own === this.app) return;
    this.closed = true;
    if (this.own.isInitialized) await this.mutex.run(() => this.own.destroy()).catch(() => undefined);
  }
}

/** Where a DataSource points, for messages: type and host/port/database or file, never credentials. */
function describeTarget(options: DataSourceOptions): string {
  const o = options as { type?: unknown; url?: unknown; host?: unknown; port?: unknown; database?: unknown };
  if (typeof o.url === 'string') return `${String(o.type)} at ${maskUri(o.url)}`;
  if (o.type === 'better-sqlite3') return `better-sqlite3 file ${JSON.stringify(o.database)}`;
  return `${String(o.type)} at ${String(o.host ?? 'localhost')}:${String(o.port ?? 'default port')}/${String(o.database ?? '')}`;
}

/** Initializes `dataSource`; a failure says which DataSource it was and where it points. */
async function initializeNamed(dataSource: DataSource, what: string): Promise<void> {
  try {
    await dataSource.initialize();
  } catch (e) {
    const cause = e as Error;
    throw new PersistenceSetupError(
      `Could not initialize ${what}, ${describeTarget(dataSource.options)}: ${maskUri(cause.message || String((cause as { code?: unknown }).code ?? cause))}`,
      { cause },
    );
  }
}
