import type { INestApplicationContext } from '@nestjs/common';
import {
  EVENT_UPCASTER_REGISTRY,
  EventStore,
  upcastEvent,
  WrongExpectedVersionError,
  type EventUpcaster,
  type StoredEvent,
  type UpcasterRegistry,
} from 'nestjs-amqp-events/event-sourcing';
import { createEsApp } from './support/es-app.js';
import { createEventStoreDatabase, type Dialect, type TestDatabase } from './support/es-database.js';

const upcasters: EventUpcaster[] = [
  {
    eventType: 'User.registered',
    fromVersion: 1,
    toVersion: 2,
    upcast: (d) => ({ fullName: (d as { name: string }).name }),
  },
  {
    eventType: 'User.registered',
    fromVersion: 2,
    toVersion: 3,
    upcast: (d) => ({ ...(d as object), email: 'unknown' }),
  },
];

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe.each<Dialect>(['postgres', 'sqlite'])('EventStore on %s', (dialect) => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let store: EventStore;

  beforeAll(async () => {
    db = await createEventStoreDatabase(dialect);
    app = await createEsApp({ dataSource: await db.connect(), es: { upcasters, readBatchSize: 7 } });
    store = app.get(EventStore);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('appends with expectedVersion and reads the stream back in version order with metadata', async () => {
    const r1 = await store.append(
      'order-1',
      [{ type: 'Order.placed', data: { total: 10 }, correlationId: 'c-1' }],
      { expectedVersion: 'no-stream' },
    );
    expect(r1.version).toBe(1);
    const r2 = await store.append(
      'order-1',
      [
        { type: 'Order.paid', data: { at: 'now' } },
        { type: 'Order.shipped', data: {}, headers: { carrier: 'dhl' } },
      ],
      { expectedVersion: 1 },
    );
    expect(r2).toMatchObject({ streamId: 'order-1', version: 3 });
    expect(r2.positions[1]).toBe(r2.positions[0] + 1);
    const events = await store.readStream('order-1');
    expect(events.map((e) => [e.version, e.type])).toEqual([
      [1, 'Order.placed'],
      [2, 'Order.paid'],
      [3, 'Order.shipped'],
    ]);
    expect(events[0]).toMatchObject({
      data: { total: 10 },
      schemaVersion: 1,
      metadata: { correlationId: 'c-1' },
      id: r1.ids[0],
    });
    expect(events[2].metadata.headers).toEqual({ carrier: 'dhl' });
    expect(events[0].recordedAt).toBeInstanceOf(Date);
    expect((await store.readStream('order-1', { fromVersion: 3 })).map((e) => e.type)).toEqual([
      'Order.shipped',
    ]);
  });

  it('refuses a stale expectedVersion with WrongExpectedVersionError and writes nothing', async () => {
    await store.append('order-2', [{ type: 'Order.placed', data: {} }], { expectedVersion: 'no-stream' });
    const err = await store
      .append('order-2', [{ type: 'Order.paid', data: {} }], { expectedVersion: 0 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WrongExpectedVersionError);
    expect(err).toMatchObject({ streamId: 'order-2', expected: 0, actual: 1 });
    await expect(
      store.append('order-2', [{ type: 'Order.paid', data: {} }], { expectedVersion: 'no-stream' }),
    ).rejects.toThrow(WrongExpectedVersionError);
    await expect(
      store.append('order-2', [{ type: 'Order.paid', data: {} }], { expectedVersion: 5 }),
    ).rejects.toThrow(/expected version 5 but the stream is at version 1/);
    expect(await store.streamVersion('order-2')).toBe(1);
    await store.append('order-2', [{ type: 'Order.noted', data: {} }], { expectedVersion: 'any' });
    expect(await store.streamVersion('order-2')).toBe(2);
  });

  it('lets exactly one of 10 concurrent appends with the same expectedVersion win', async () => {
    await store.append('race', [{ type: 'Race.started', data: {} }], { expectedVersion: 'no-stream' });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        store.append(
          'race',
          [
            { type: 'Race.won', data: { by: i } },
            { type: 'Race.cheered', data: { by: i } },
          ],
          { expectedVersion: 1 },
        ),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results)
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(WrongExpectedVersionError);
    const events = await store.readStream('race');
    expect(events).toHaveLength(3);
    const winner = (events[1].data as { by: number }).by;
    expect(events[2].data).toEqual({ by: winner });
  });

  it('reads everything in position order through keyset pages, by type, from a position, with a limit', async () => {
    for (let i = 0; i < 20; i++)
      await store.append(`page-${i % 3}`, [{ type: i % 2 ? 'Page.odd' : 'Page.even', data: { i } }], {
        expectedVersion: 'any',
      });
    const all = await collect(store.readAll());
    const positions = all.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(all.length);
    const odd = await collect(store.readAll({ types: ['Page.odd'] }));
    expect(odd.map((e) => (e.data as { i: number }).i)).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
    const from = odd[4].position;
    expect(
      (await collect(store.readAll({ fromPosition: from, types: ['Page.odd'], limit: 3 }))).map(
        (e) => e.position,
      ),
    ).toEqual(odd.slice(4, 7).map((e) => e.position));
    expect(
      (await store.getEventsByType('Page.even', { from })).every(
        (e) => e.type === 'Page.even' && e.position >= from,
      ),
    ).toBe(true);
  });

  it('upcasts v1 and v2 events to v3 on read and writes new events at v3', async () => {
    await store.append('user-1', [{ type: 'User.registered', data: { name: 'Ada' }, schemaVersion: 1 }], {
      expectedVersion: 'no-stream',
    });
    await store.append('user-2', [{ type: 'User.registered', data: { fullName: 'Bob' }, schemaVersion: 2 }], {
      expectedVersion: 'no-stream',
    });
    await store.append('user-3', [{ type: 'User.registered', data: { fullName: 'Cy', email: 'cy@x' } }], {
      expectedVersion: 'no-stream',
    });
    const read = async (s: string): Promise<StoredEvent> => (await store.readStream(s))[0];
    expect(await read('user-1')).toMatchObject({
      schemaVersion: 3,
      data: { fullName: 'Ada', email: 'unknown' },
    });
    expect(await read('user-2')).toMatchObject({
      schemaVersion: 3,
      data: { fullName: 'Bob', email: 'unknown' },
    });
    expect(await read('user-3')).toMatchObject({ schemaVersion: 3, data: { fullName: 'Cy', email: 'cy@x' } });
    const raw = (await db.connect()).query(
      `SELECT "schema_version" AS v FROM ${db.table('events_store')} WHERE "stream_id" = 'user-3'`,
    );
    expect(Number(((await raw) as Array<{ v: number }>)[0].v)).toBe(3);
    const registry = app.get<UpcasterRegistry>(EVENT_UPCASTER_REGISTRY);
    expect(upcastEvent(registry, 'User.registered', 1, { name: 'Eve' })).toEqual({
      version: 3,
      data: { fullName: 'Eve', email: 'unknown' },
    });
    const byType = await store.getEventsByType('User.registered');
    expect(byType.every((e) => e.schemaVersion === 3)).toBe(true);
  });

  it('returns a three-level causation tree in causal order with depths', async () => {
    const corr = 'corr-tree';
    const id = (n: string) => `${dialect}-${n}`;
    // appended out of causal order on purpose, across streams
    await store.append(
      'chain-b',
      [{ type: 'Payment.requested', data: {}, id: id('b'), correlationId: corr, causationId: id('root') }],
      { expectedVersion: 'any' },
    );
    await store.append('chain-a', [{ type: 'Order.placed', data: {}, id: id('root'), correlationId: corr }], {
      expectedVersion: 'any',
    });
    await store.append(
      'chain-c',
      [{ type: 'Payment.captured', data: {}, id: id('b1'), correlationId: corr, causationId: id('b') }],
      { expectedVersion: 'any' },
    );
    await store.append(
      'chain-d',
      [{ type: 'Stock.reserved', data: {}, id: id('c'), correlationId: corr, causationId: id('root') }],
      { expectedVersion: 'any' },
    );
    await store.append('chain-e', [{ type: 'Other', data: {}, correlationId: 'another' }], {
      expectedVersion: 'any',
    });
    const chain = await store.getEventChain(corr);
    expect(chain.map((e) => `${e.type}@${e.depth}`)).toEqual([
      'Order.placed@0',
      'Payment.requested@1',
      'Payment.captured@2',
      'Stock.reserved@1',
    ]);
  });

  it('refuses bad input naming the field', async () => {
    await expect(store.append('', [], { expectedVersion: 'any' })).rejects.toThrow(/streamId/);
    await expect(store.append('s', [{ type: '', data: 1 }], { expectedVersion: 'any' })).rejects.toThrow(
      /events\[0\]\.type/,
    );
    await expect(store.append('s', [], { expectedVersion: -1 })).rejects.toThrow(/expectedVersion/);
  });
});
