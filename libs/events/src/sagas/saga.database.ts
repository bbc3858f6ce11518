import type { DataSource, EntityManager } from 'typeorm';
import { TransientError } from '../errors/transient.error.js';
import { lockOf, type AsyncMutex } from '../persistence/async-mutex.js';
import { isTransientDatabaseError } from '../persistence/database-errors.js';
import type { SqlDialect } from '../persistence/sql-names.js';

/**
 * The saga module's access to its database: plain SQL on Postgres (the DataSource's pool) or SQLite (one
 * statement or transaction at a time on TypeORM's one connection, with the event store when it shares the
 * DataSource); a database outage surfaces as TransientError.
 */
export class SagaDatabase {
  /** On SQLite, the DataSource's one lock, shared with the event store when it uses the same DataSource. */
  private readonly mutex: AsyncMutex;

  constructor(
    readonly dataSource: DataSource,
    readonly dialect: SqlDialect,
  ) {
    this.mutex = lockOf(dataSource);
  }

  /** Placeholder `i` (1-based) of this dialect. */
  protected p(i: number): string {
    return this.dialect === 'postgres' ? `$${i}` : '?';
  }

  /**
   * Runs `work` in a transaction of the store's DataSource (on SQLite one at a time, since TypeORM shares
   * one connection); a database outage surfaces as TransientError.
   */
  async transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgres') return this.guard(() => this.dataSource.transaction(work));
    return this.guard(() => this.mutex.run(() => this.dataSource.transaction(work)));
  }

  async query<T>(sql: string, params: unknown[], manager?: EntityManager): Promise<T> {
    const run = () => (manager ?? this.dataSource.manager).query(sql, params) as Promise<T>;
    if (manager) return run();
    if (this.dialect === 'postgres') return this.guard(run);
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
