import { jest } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import {
  AggregateRepository,
  EventStore,
  WrongExpectedVersionError,
} from 'nestjs-amqp-events/event-sourcing';
import type { DataSource } from 'typeorm';
import { Account } from './support/account.aggregate.js';
import { createEsApp } from './support/es-app.js';
import { createEventStoreDatabase, type Dialect, type TestDatabase } from './support/es-database.js';

describe.each<Dialect>(['postgres', 'sqlite'])('AggregateRepository on %s', (dialect) => {
  let db: TestDatabase;
  let ds: DataSource;
  let app: INestApplicationContext;
  let repo: AggregateRepository;
  let store: EventStore;

  beforeAll(async () => {
    db = await createEventStoreDatabase(dialect);
    ds = await db.connect();
    app = await createEsApp({
      dataSource: ds,
      es: {
        upcasters: [
          // v1 of EsAccount.deposited carried cents; v2 (current) carries amount
          {
            eventType: 'EsAccount.deposited',
            fromVersion: 1,
            toVersion: 2,
            upcast: (d) => ({ amount: (d as { cents: number }).cents / 100 }),
          },
        ],
      },
    });
    repo = app.get(AggregateRepository);
    store = app.get(EventStore);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('saves uncommitted events and loads the aggregate back through on<Event>() handlers', async () => {
    const a = new Account('a-1');
    a.open('ada');
    a.deposit(5);
    a.deposit(7);
    const r = await repo.save(a);
    expect(r.version).toBe(3);
    expect(a.version).toBe(3);
    expect(a.getUncommittedEvents()).toHaveLength(0);
    expect((await store.readStream('Account-a-1')).map((e) => e.type)).toEqual([
      'EsAccount.opened',
      'EsAccount.deposited',
      'EsAccount.deposited',
    ]);
    const loaded = (await repo.load(Account, 'a-1'))!;
    expect(loaded).toBeInstanceOf(Account);
    expect(loaded).toMatchObject({
      id: 'a-1',
      version: 3,
      owner: 'ada',
      balance: 12,
      deposits: 2,
      openedAt: '2026-01-02T03:04:05.000Z',
    });
    expect(await repo.load(Account, 'missing')).toBeUndefined();
  });

  it('refuses to save an aggregate loaded before a concurrent save (optimistic concurrency)', async () => {
    const a = new Account('a-2');
    a.open('bob');
    await repo.save(a);
    const first = (await repo.load(Account, 'a-2'))!;
    const second = (await repo.load(Account, 'a-2'))!;
    first.deposit(1);
    await repo.save(first);
    second.deposit(2);
    await expect(repo.save(second)).rejects.toBeInstanceOf(WrongExpectedVersionError);
    expect((await repo.load(Account, 'a-2'))!.balance).toBe(1);
    const fresh = new Account('a-2');
    fresh.open('again');
    await expect(repo.save(fresh)).rejects.toThrow(/expected version "no-stream"/);
  });

  it('snapshots every 100 events and then reads only the events after the snapshot', async () => {
    const a = new Account('a-3');
    a.open('cy');
    for (let i = 0; i < 249; i++) a.deposit(1);
    await repo.save(a); // version 250: snapshot at 250
    const b = (await repo.load(Account, 'a-3'))!;
    b.deposit(10);
    b.deposit(10);
    await repo.save(b); // version 252: no new snapshot
    const snap = (await ds.query(
      `SELECT "version", "schema_version" AS sv FROM ${db.table('events_snapshots')} WHERE "stream_id" = 'Account-a-3'`,
    )) as Array<{ version: number; sv: number }>;
    expect(snap.map((s) => [Number(s.version), Number(s.sv)])).toEqual([[250, 1]]);
    const spy = jest.spyOn(store, 'readStream');
    const loaded = (await repo.load(Account, 'a-3'))!;
    expect(spy).toHaveBeenCalledWith('Account-a-3', { fromVersion: 251 });
    expect(((await spy.mock.results[0].value) as unknown[]).length).toBe(2);
    spy.mockRestore();
    expect(loaded).toMatchObject({ version: 252, balance: 269, deposits: 251, owner: 'cy' });
  });

  it('ignores a snapshot of another schema version and rebuilds from all events', async () => {
    const a = new Account('a-4');
    a.open('dee');
    for (let i = 0; i < 100; i++) a.deposit(2);
    await repo.save(a);
    // tamper the snapshot state: if it were used, the balance would be wrong
    await ds.query(
      `UPDATE ${db.table('events_snapshots')} SET "state" = '{"balance":-1,"deposits":-1,"owner":"x"}', "schema_version" = 0 WHERE "stream_id" = 'Account-a-4'`,
    );
    const spy = jest.spyOn(store, 'readStream');
    const loaded = (await repo.load(Account, 'a-4'))!;
    expect(spy).toHaveBeenCalledWith('Account-a-4', { fromVersion: 1 });
    spy.mockRestore();
    expect(loaded).toMatchObject({ version: 101, balance: 200, deposits: 100, owner: 'dee' });
  });

  it('upcasts old event versions when loading an aggregate and stores new events at the current version', async () => {
    await store.append(
      'Account-a-5',
      [{ type: 'EsAccount.opened', data: { owner: 'eve', openedAt: '2026-01-01T00:00:00.000Z' } }],
      { expectedVersion: 'no-stream' },
    );
    await store.append(
      'Account-a-5',
      [{ type: 'EsAccount.deposited', data: { cents: 500 }, schemaVersion: 1 }],
      { expectedVersion: 1 },
    );
    const a = (await repo.load(Account, 'a-5'))!;
    expect(a).toMatchObject({ balance: 5, deposits: 1, version: 2 });
    a.deposit(1);
    await repo.save(a);
    const stored = await ds.query(
      `SELECT "schema_version" AS v FROM ${db.table('events_store')} WHERE "stream_id" = 'Account-a-5' AND "version" = 3`,
    );
    expect(Number((stored as Array<{ v: number }>)[0].v)).toBe(2);
    expect((await repo.load(Account, 'a-5'))!.balance).toBe(6);
  });
});
