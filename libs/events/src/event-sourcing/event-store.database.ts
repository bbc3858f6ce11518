import type { DataSource, EntityManager } from 'typeorm';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { lockOf, type AsyncMutex } from '../persistence/async-mutex.js';
import { dialectOf, qualify, type SqlDialect } from '../persistence/sql-names.js';
import { PROJECTIONS_TABLE, SNAPSHOTS_TABLE, STORE_TABLE } from './event-store.entities.js';

/** 32-bit FNV-1a of a string, as a signed int (a Postgres advisory lock key). Pure. */
export function lockKey(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** First half of the two-int advisory lock keys this library takes ('nae' + 1). */
export const LOCK_CLASS = 0x6e616501;

/**
 * The event store's access to its database: dialect, qualified table names, SQL placeholders, and one
 * transaction at a time on SQLite (TypeORM shares one better-sqlite3 connection per DataSource, where
 * interleaved async transactions would mix).
 */
export class EventStoreDatabase {
  readonly dialect: SqlDialect;
  readonly schema: string | undefined;
  readonly store: string;
  readonly snapshots: string;
  readonly projections: string;
  /** Postgres: NOTIFY channel woken by every append in this schema. */
  readonly channel: string;
  /** Postgres: the transaction-level advisory lock that serialises appends (see docs/event-sourcing.md). */
  readonly appendLock: number;
  /** SQLite: the DataSource's one lock, shared with every other module using it (sagas). */
  private readonly mutex: AsyncMutex;

  constructor(readonly dataSource: DataSource) {
    this.mutex = lockOf(dataSource);
    const dialect = dialectOf((dataSource.options as { type?: unknown }).type);
    if (!dialect) {
      throw new InvalidOptionsError(
        'dataSource',
        `type ${JSON.stringify(dataSource.options.type)} is not supported; use 'postgres' or 'better-sqlite3'`,
      );
    }
    this.dialect = dialect;
    this.schema = dialect === 'postgres' ? (dataSource.options as { schema?: string }).schema : undefined;
    this.store = qualify(STORE_TABLE, this.schema);
    this.snapshots = qualify(SNAPSHOTS_TABLE, this.schema);
    this.projections = qualify(PROJECTIONS_TABLE, this.schema);
    const ns = this.schema ?? 'public';
    this.channel = `events_store_${lockKey(ns) >>> 0}`;
    this.appendLock = lockKey(`events_store:${ns}`);
  }

  /** `$n` placeholders for Postgres; `?` (in the same order) for SQLite. */
  sql(text: string): string {
    return this.dialect === 'postgres' ? text : text.replace(/\$\d+/g, '?');
  }

  query<T = Record<string, unknown>>(
    text: string,
    params: unknown[] = [],
    manager?: EntityManager,
  ): Promise<T[]> {
    const run = () => (manager ?? this.dataSource.manager).query(this.sql(text), params) as Promise<T[]>;
    return manager || this.dialect === 'postgres' ? run() : this.mutex.run(run);
  }

  /** Runs `work` in `given` (the caller's transaction) or in a new transaction. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>, given?: EntityManager): Promise<T> {
    if (given) return work(given);
    if (this.dialect === 'postgres') return this.dataSource.transaction(work);
    return this.mutex.run(() => this.dataSource.transaction(work));
  }
}
