import type { DataSource, EntityManager } from 'typeorm';
import { TransientError } from '../errors/transient.error.js';
import { AsyncMutex } from '../persistence/async-mutex.js';
import { isTransientDatabaseError } from '../persistence/database-errors.js';
import type { SqlDialect } from '../persistence/sql-names.js';

/**
 * Another module's one-at-a-time access to the same SQLite DataSource (the event store's). TypeORM runs
 * every transaction of a better-sqlite3 DataSource on its one connection: two modules each serialising
 * their own transactions would still interleave with each other's (one's rollback undoing the other's
 * writes, "cannot start a transaction within a transaction"), so on a shared DataSource they share one lock.
 */
export interface SqliteSerializer {
  readonly dataSource: DataSource;
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
  query<T>(sql: string, params: unknown[]): Promise<T[]>;
}

/**
 * The saga module's access to its database: plain SQL on Postgres (the DataSource's pool) or SQLite (one
 * statement or transaction at a time on TypeORM's one connection, with the event store when it shares the
 * DataSource); a database outage surfaces as TransientError.
 */
export class SagaDatabase {
  private readonly mutex = new AsyncMutex();
  private shared: (() => SqliteSerializer | undefined) | undefined;

  constructor(
    readonly dataSource: DataSource,
    readonly dialect: SqlDialect,
  ) {}

  /** Placeholder `i` (1-based) of this dialect. */
  protected p(i: number): string {
    return this.dialect === 'postgres' ? `$${i}` : '?';
  }

  /**
   * On SQLite, serialise through `serializer` (looked up on first use) when it runs on this store's
   * DataSource, instead of this store's own lock: see SqliteSerializer.
   */
  shareLockWith(serializer: () => SqliteSerializer | undefined): void {
    if (this.dialect !== 'sqlite') return;
    let found: SqliteSerializer | null | undefined;
    this.shared = () => {
      if (found === undefined) {
        const s = serializer();
        found = s && s.dataSource === this.dataSource ? s : null;
      }
      return found ?? undefined;
    };
  }

  /**
   * Runs `work` in a transaction of the store's DataSource (on SQLite one at a time, since TypeORM shares
   * one connection); a database outage surfaces as TransientError.
   */
  async transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgres') return this.guard(() => this.dataSource.transaction(work));
    const shared = this.shared?.();
    if (shared) return this.guard(() => shared.transaction(work));
    return this.guard(() => this.mutex.run(() => this.dataSource.transaction(work)));
  }

  async query<T>(sql: string, params: unknown[], manager?: EntityManager): Promise<T> {
    const run = () => (manager ?? this.dataSource.manager).query(sql, params) as Promise<T>;
    if (manager) return run();
    if (this.dialect === 'postgres') return this.guard(run);
    const shared = this.shared?.();
    if (shared) return this.guard(() => shared.query(sql, params) as Promise<unknown> as Promise<T>);
    return this.guard(() => this.mutex.run(run));
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      if (isTransientDatabaseError(e))
        throw new TransientError(`saga store unavailable: ${(e as Error).message}`, { cause: e });
      throw e;
    }
  }
}
