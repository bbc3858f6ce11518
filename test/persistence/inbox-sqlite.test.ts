import { Injectable, type INestApplicationContext } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import {
  DeadLetterService,
  EventPublisher,
  EventsMetrics,
  OnEvent,
  type EventContext,
} from 'nestjs-amqp-events';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { countRows, createEffectsTable, createTestDatabase, type TestDatabase } from './support/databases.js';
import { createPersistenceApp } from './support/persistence-app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('inbox on SQLite (better-sqlite3 file)', () => {
  const exchange = uniqueName('inbox-sqlite');
  const service = uniqueName('svc');
  const queues = ['effect', 'count', 'flaky', 'slow'].map((m) => `${service}.Handlers.${m}`);
  let db: TestDatabase;
  let ds1: DataSource;
  let ds2: DataSource;
  let effects: string;
  const apps: INestApplicationContext[] = [];
  const ran = { effect: 0, count: 0 };
  const countedIds = new Set<string>();
  const flakyAttempts: number[] = [];
  let slowStarted!: () => void;
  const slowInTransaction = new Promise<void>((r) => (slowStarted = r));
  const handled = () => apps.reduce((sum, a) => sum + a.get(EventsMetrics).snapshot().handled, 0);

  @Injectable()
  class Handlers {
    @OnEvent('Order.placed', { idempotent: true, transactional: true })
    async effect(_data: unknown, ctx: EventContext) {
      ran.effect++;
      await (ctx.manager as EntityManager).query(
        `INSERT INTO ${effects} (event_id, note) VALUES (?, 'order')`,
        [ctx.id],
      );
    }

    @OnEvent('Order.placed', { idempotent: true })
    count(_data: unknown, ctx: EventContext) {
      ran.count++;
      if (countedIds.has(ctx.id)) throw new Error(`ran twice for ${ctx.id}`);
      countedIds.add(ctx.id);
    }

    @OnEvent('Payment.flaky', { transactional: true, retry: { maxAttempts: 3, initialDelayMs: 100 } })
    async flaky(_data: unknown, ctx: EventContext) {
      flakyAttempts.push(ctx.attempt);
      await (ctx.manager as EntityManager).query(
        `INSERT INTO ${effects} (event_id, note) VALUES (?, 'flaky')`,
        [ctx.id],
      );
      if (ctx.attempt === 1) throw new Error('fails after writing, on attempt 1');
    }

    @OnEvent('Report.slow', { transactional: true, retry: { maxAttempts: 3, initialDelayMs: 100 } })
    async slow(_data: unknown, ctx: EventContext) {
      await (ctx.manager as EntityManager).query(
        `INSERT INTO ${effects} (event_id, note) VALUES (?, 'slow')`,
        [ctx.id],
      );
      slowStarted();
      await sleep(400); // the app writes through its own DataSource meanwhile
      if (ctx.attempt === 1) throw new Error('rolls back its own writes only');
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    // two instances = two connections to one file; short busy timeout so lock waits surface quickly
    ds1 = await db.connect({ timeout: 200 });
    ds2 = await db.connect({ timeout: 200 });
    effects = await createEffectsTable(db, ds1);
    apps.push(await createPersistenceApp({ exchange, service, dataSource: ds1 }, [Handlers]));
    apps.push(await createPersistenceApp({ exchange, service, dataSource: ds2 }, [Handlers]));
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await deleteTopology(exchange, queues);
    await db?.drop();
  });

  it('processes one event id once across two instances: 1,000 copies interleaved with 1,000 others → 1,001 effects', async () => {
    const publisher = apps[0].get(EventPublisher);
    const dupId = 'dup-00000000-0000-4000-8000-000000000002';
    const batch: Array<Promise<unknown>> = [];
    for (let i = 0; i < 1000; i++) {
      batch.push(publisher.publish('Order.placed', { i }, { id: dupId }));
      batch.push(publisher.publish('Order.placed', { i }));
    }
    await Promise.all(batch);
    await waitFor(() => handled() >= 4000, 'all 4,000 deliveries', 90_000, 100);
    expect(await countRows(ds1, effects, `note = 'order'`)).toBe(1001);
    expect(await countRows(ds1, `(SELECT DISTINCT event_id FROM ${effects} WHERE note = 'order')`)).toBe(
      1001,
    );
    expect(ran).toEqual({ effect: 1001, count: 1001 });
    for (const q of queues) expect(await apps[0].get(DeadLetterService).count(q)).toBe(0);
  }, 120_000);

  it('rolls back the effect of a failed attempt: throws on attempt 1, succeeds on 2 → one effect row', async () => {
    const { id } = await apps[0].get(EventPublisher).publish('Payment.flaky', {});
    await waitFor(
      async () => (await countRows(ds1, db.table('events_inbox'), `event_id = '${id}'`)) === 1,
      'attempt 2 to commit',
    );
    expect(flakyAttempts).toEqual([1, 2]);
    expect(await countRows(ds1, effects, `event_id = '${id}'`)).toBe(1);
  });

  it("runs handler transactions on the library's own connection: a rollback never takes the app's writes with it", async () => {
    const { id } = await apps[0].get(EventPublisher).publish('Report.slow', {});
    await slowInTransaction;
    // the app's own write waits for SQLite's write lock (retried here on SQLITE_BUSY); on a shared
    // connection it would have joined the handler's transaction and vanished with its rollback
    await waitFor(
      () => ds1.query(`INSERT INTO ${effects} (event_id, note) VALUES (?, 'app')`, [id]).then(() => true),
      'the app write',
      10_000,
      50,
    );
    await waitFor(
      async () => (await countRows(ds1, db.table('events_inbox'), `event_id = '${id}'`)) === 1,
      'attempt 2 to commit',
    );
    expect(await countRows(ds1, effects, `event_id = '${id}' AND note = 'app'`)).toBe(1);
    expect(await countRows(ds1, effects, `event_id = '${id}' AND note = 'slow'`)).toBe(1);
  });

  it('retries while another process holds the database locked (SQLITE_BUSY): processed once afterwards, nothing parked', async () => {
    const locker = await db.connect();
    const before = await countRows(ds1, effects, `note = 'order'`);
    await locker.query('BEGIN EXCLUSIVE');
    let released = false;
    try {
      const receipts = await Promise.all(
        Array.from({ length: 20 }, (_, i) => apps[0].get(EventPublisher).publish('Order.placed', { i })),
      );
      await sleep(3000);
      await locker.query('COMMIT');
      released = true;
      await waitFor(
        async () => (await countRows(ds1, effects, `note = 'order'`)) === before + 20,
        '20 effects after the lock',
        20_000,
        100,
      );
      expect(await countRows(ds1, `(SELECT DISTINCT event_id FROM ${effects} WHERE note = 'order')`)).toBe(
        before + 20,
      );
      await waitFor(() => receipts.every((r) => countedIds.has(r.id)), 'the idempotent handler too');
      for (const q of queues) expect(await apps[0].get(DeadLetterService).count(q)).toBe(0);
    } finally {
      if (!released) await locker.query('ROLLBACK').catch(() => undefined);
    }
  }, 40_000);
});
