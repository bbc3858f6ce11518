import { DeliveryMemory } from './delivery-memory.js';

describe('DeliveryMemory', () => {
  it('knows nothing about an id it was never told of', () => {
    expect(new DeliveryMemory().lookup('m-1', 1)).toBeUndefined();
  });

  it('makes a redelivery of a running delivery wait for its outcome', async () => {
    const memory = new DeliveryMemory();
    const entry = memory.begin('m-1', 1);
    const first = memory.lookup('m-1', 1);
    const second = memory.lookup('m-1', 1);
    expect(first).toBeInstanceOf(Promise);
    memory.end('m-1', entry, true);
    await expect(first).resolves.toBe(true);
    await expect(second).resolves.toBe(true);
  });

  it('tells a waiting redelivery that the running one was given back', async () => {
    const memory = new DeliveryMemory();
    const entry = memory.begin('m-1', 2);
    const waiting = memory.lookup('m-1', 2);
    memory.end('m-1', entry, false);
    await expect(waiting).resolves.toBe(false);
    expect(memory.lookup('m-1', 2)).toBe('given-back');
  });

  it('remembers acked deliveries per attempt: a retry copy (next attempt) is not mistaken for the acked original', () => {
    const memory = new DeliveryMemory();
    memory.end('m-1', memory.begin('m-1', 1), true);
    expect(memory.lookup('m-1', 1)).toBe('acked');
    expect(memory.lookup('m-1', 2)).toBeUndefined();
    memory.end('m-1', memory.begin('m-1', 2), true);
    expect(memory.lookup('m-1', 2)).toBe('acked');
    expect(memory.lookup('m-1', 1)).toBe('acked');
  });

  it('a running delivery of another attempt does not make the redelivery wait', () => {
    const memory = new DeliveryMemory();
    memory.begin('m-1', 2);
    expect(memory.lookup('m-1', 1)).toBeUndefined();
  });

  it('keeps the newer running delivery when an older one of the same id ends later', async () => {
    const memory = new DeliveryMemory();
    const older = memory.begin('m-1', 1);
    const newer = memory.begin('m-1', 1);
    memory.end('m-1', older, false);
    const waiting = memory.lookup('m-1', 1);
    expect(waiting).toBeInstanceOf(Promise);
    memory.end('m-1', newer, true);
    await expect(waiting).resolves.toBe(true);
  });

  it('remembers an ack that could not be sent', () => {
    const memory = new DeliveryMemory();
    memory.remember('m-1', 3, 'acked');
    expect(memory.lookup('m-1', 3)).toBe('acked');
  });

  it('is bounded: beyond max finished entries the oldest are forgotten first', () => {
    const memory = new DeliveryMemory(3);
    for (const id of ['a', 'b', 'c']) memory.remember(id, 1, 'acked');
    memory.remember('d', 1, 'acked');
    expect(memory.lookup('a', 1)).toBeUndefined();
    expect(['b', 'c', 'd'].map((id) => memory.lookup(id, 1))).toEqual(['acked', 'acked', 'acked']);
  });

  it('stays at its bound under many ids, and re-remembering a known delivery evicts nothing', () => {
    const memory = new DeliveryMemory(100);
    for (let i = 0; i < 10_000; i++) memory.end(`m-${i}`, memory.begin(`m-${i}`, 1), true);
    expect(memory.lookup('m-9899', 1)).toBeUndefined();
    expect(memory.lookup('m-9900', 1)).toBe('acked');
    memory.remember('m-9950', 1, 'acked');
    expect(memory.lookup('m-9900', 1)).toBe('acked');
  });
});

describe('DeliveryMemory with UUID ids (kept as numbers) and other ids', () => {
  const a = '0b6f1a8e-3c2d-4e5f-9a7b-112233445566';
  const b = '0b6f1a8e-3c2d-4e5f-9a7b-112233445567';

  it('tells apart UUIDs that differ in the last digit, and a UUID from the same text in upper case', () => {
    const m = new DeliveryMemory(8);
    m.end(a, m.begin(a, 1), true);
    expect(m.lookup(a, 1)).toBe('acked');
    expect(m.lookup(b, 1)).toBeUndefined();
    expect(m.lookup(a.toUpperCase(), 1)).toBeUndefined();
    expect(m.lookup(a, 2)).toBeUndefined();
  });

  it('keeps ids that are not UUIDs as they are', () => {
    const m = new DeliveryMemory(8);
    m.end('order-42', m.begin('order-42', 1), false);
    m.end(a.toUpperCase(), m.begin(a.toUpperCase(), 1), true);
    expect(m.lookup('order-42', 1)).toBe('given-back');
    expect(m.lookup(a.toUpperCase(), 1)).toBe('acked');
    expect(m.lookup(a, 1)).toBeUndefined();
  });

  it('a delivery that ends after its slot was reused does not touch the newer one', () => {
    const m = new DeliveryMemory(2);
    const old = m.begin(a, 1);
    m.begin(b, 1);
    const c = '0b6f1a8e-3c2d-4e5f-9a7b-aaaaaaaaaaaa';
    m.begin(c, 1); // reuses a's slot while a still runs
    m.end(a, old, true);
    expect(m.lookup(a, 1)).toBeUndefined();
    expect(m.lookup(c, 1)).toBeInstanceOf(Promise); // still running
  });

  it('wakes a redelivery that waits for a running UUID delivery', async () => {
    const m = new DeliveryMemory(8);
    const t = m.begin(a, 1);
    const waiting = m.lookup(a, 1) as Promise<boolean>;
    m.end(a, t, true);
    await expect(waiting).resolves.toBe(true);
  });
});
