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
