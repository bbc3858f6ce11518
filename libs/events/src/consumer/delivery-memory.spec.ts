import { DeliveryMemory } from './delivery-memory.js';

/** A promise settled from outside, like the processor's per-delivery outcome. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('DeliveryMemory', () => {
  it('knows nothing about an id it was never told of', () => {
    expect(new DeliveryMemory().lookup('m-1')).toBeUndefined();
  });

  it('returns the running promise while a delivery is in flight', async () => {
    const memory = new DeliveryMemory();
    const outcome = deferred<boolean>();
    memory.track('m-1', outcome.promise);
    expect(memory.lookup('m-1')).toBe(outcome.promise);
    outcome.resolve(true);
    await expect(memory.lookup('m-1')).resolves.toBe(true);
  });

  it('forgets a running delivery once its outcome settles', async () => {
    const memory = new DeliveryMemory();
    const outcome = deferred<boolean>();
    memory.track('m-1', outcome.promise);
    outcome.resolve(false);
    await tick();
    expect(memory.lookup('m-1')).toBeUndefined();
  });

  it('forgets a running delivery whose outcome rejects, without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const memory = new DeliveryMemory();
      const outcome = deferred<boolean>();
      memory.track('m-1', outcome.promise);
      outcome.promise.catch(() => undefined); // the caller handles its own promise
      outcome.reject(new Error('channel closed'));
      await tick();
      await tick();
      expect(memory.lookup('m-1')).toBeUndefined();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('keeps the newer delivery when an older one for the same id settles later', async () => {
    const memory = new DeliveryMemory();
    const first = deferred<boolean>();
    const second = deferred<boolean>();
    memory.track('m-1', first.promise);
    memory.track('m-1', second.promise);
    first.resolve(false);
    await tick();
    expect(memory.lookup('m-1')).toBe(second.promise);
    second.resolve(true);
    await tick();
    expect(memory.lookup('m-1')).toBeUndefined();
  });

  it("reports 'settled' for a delivery settled here whose ack was lost", () => {
    const memory = new DeliveryMemory();
    memory.markSettled('m-1');
    expect(memory.lookup('m-1')).toBe('settled');
    expect(memory.lookup('m-2')).toBeUndefined();
  });

  it("prefers 'settled' over a running delivery of the same id", () => {
    const memory = new DeliveryMemory();
    memory.track('m-1', deferred<boolean>().promise);
    memory.markSettled('m-1');
    expect(memory.lookup('m-1')).toBe('settled');
  });

  it('forget removes the settled mark', () => {
    const memory = new DeliveryMemory();
    memory.markSettled('m-1');
    memory.forget('m-1');
    expect(memory.lookup('m-1')).toBeUndefined();
    expect(() => memory.forget('never-seen')).not.toThrow();
  });

  it('is bounded: beyond max settled entries the oldest are evicted first', () => {
    const memory = new DeliveryMemory(3);
    for (const id of ['a', 'b', 'c']) memory.markSettled(id);
    expect(['a', 'b', 'c'].map((id) => memory.lookup(id))).toEqual(['settled', 'settled', 'settled']);
    memory.markSettled('d');
    expect(memory.lookup('a')).toBeUndefined();
    expect(['b', 'c', 'd'].map((id) => memory.lookup(id))).toEqual(['settled', 'settled', 'settled']);
    memory.markSettled('e');
    expect(memory.lookup('b')).toBeUndefined();
    expect(memory.lookup('e')).toBe('settled');
  });

  it('stays at its bound under many ids', () => {
    const memory = new DeliveryMemory(100);
    for (let i = 0; i < 10_000; i++) memory.markSettled(`m-${i}`);
    let remembered = 0;
    for (let i = 0; i < 10_000; i++) if (memory.lookup(`m-${i}`) === 'settled') remembered++;
    expect(remembered).toBe(100);
    expect(memory.lookup('m-9999')).toBe('settled');
    expect(memory.lookup('m-9899')).toBeUndefined();
    expect(memory.lookup('m-9900')).toBe('settled');
  });

  it('marking an id twice does not evict another entry', () => {
    const memory = new DeliveryMemory(2);
    memory.markSettled('a');
    memory.markSettled('b');
    memory.markSettled('b');
    expect(memory.lookup('a')).toBe('settled');
    expect(memory.lookup('b')).toBe('settled');
  });

  it('defaults to a bound of 10,000', () => {
    const memory = new DeliveryMemory();
    for (let i = 0; i <= 10_000; i++) memory.markSettled(`m-${i}`);
    expect(memory.lookup('m-0')).toBeUndefined();
    expect(memory.lookup('m-1')).toBe('settled');
  });
});
