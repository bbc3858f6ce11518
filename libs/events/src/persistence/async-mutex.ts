/** One holder at a time, FIFO. Guards the library's single SQLite connection. */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  get pending(): number {
    return this.waiting;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    this.waiting += 1;
    try {
      await previous;
      return await work();
    } finally {
      this.waiting -= 1;
      release();
    }
  }
}

const locks = new WeakMap<object, AsyncMutex>();

/**
 * The one lock of a DataSource whose work must run one unit at a time (TypeORM runs every query and
 * transaction of a better-sqlite3 DataSource on its one connection): every module of the library that
 * uses that DataSource (event store, sagas) takes this same lock, so their transactions never
 * interleave (one's rollback undoing another's writes, "cannot start a transaction within a transaction").
 */
export function lockOf(dataSource: object): AsyncMutex {
  let lock = locks.get(dataSource);
  if (!lock) locks.set(dataSource, (lock = new AsyncMutex()));
  return lock;
}
