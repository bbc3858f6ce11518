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
import { ExchangeTap } from './support/tap.js';
import { CaptureLogger } from '../support/capture-logger.js';

describe('inbox on PostgreSQL', () => {
  const exchange = uniqueName('inbox-pg');
  const service = uniqueName('svc');
  const queues = ['effect', 'count', 'flaky', 'keyed', 'followUp'].map((m) => `${service}.Handlers.${m}`);
  let db: TestDatabase;
  let ds1: DataSource;
  let ds2: DataSource;
  let effects: string;
  const apps: INestApplicationContext[] = [];
  const logs = new CaptureLogger();
  const calls = { effect: 0, count: 0, flaky: 0, keyed: 0 };
  const countedIds = new Set<string>();
  const flakyAttempts: number[] = [];
  /** Deliveries settled as handled (run or skipped as duplicates) by both instances. */
  const handled = () => apps.reduce((sum, a) => sum + a.get(EventsMetrics).snapshot().handled, 0);

  @Injectable()
  class Handlers {
    @OnEvent('Order.placed', { idempotent: true, transactional: true, prefetch: 30 })
    async effect(data: { n: number }, ctx: EventContext) {
      calls.effect++;
      await (ctx.manager as EntityManager).query(`INSERT INTO ${effects} (event_id, note) VALUES ($1, $2)`, [
        ctx.id,
        `n=${data.n}`,
      ]);
    }

    @OnEvent('Order.placed', { idempotent: true, prefetch: 30 })
    count(_data: unknown, ctx: EventContext) {
      calls.count++;
      if (countedIds.has(ctx.id)) throw new Error(`ran twice for ${ctx.id}`);
      countedIds.add(ctx.id);
    }

    @OnEvent('Payment.flaky', { transactional: true, retry: { maxAttempts: 3, initialDelayMs: 100 } })
    async flaky(_data: unknown, ctx: EventContext) {
      calls.flaky++;
      flakyAttempts.push(ctx.attempt);
      await (ctx.manager as EntityManager).query(
        `INSERT INTO ${effects} (event_id, note) VALUES ($1, 'flaky')`,
        [ctx.id],
      );
      if (ctx.attempt === 1) throw new Error('fails after writing, on attempt 1');
    }

    @OnEvent('Payment.keyed', {
      idempotent: true,
      idempotencyKey: (data) => `payment:${(data as { paymentId: string }).paymentId}`,
    })
    keyed() {
      calls.keyed++;
    }

    @OnEvent('Invoice.requested', { transactional: true, retry: { maxAttempts: 2, initialDelayMs: 50 } })
    async followUp(data: { fail: boolean }, ctx: EventContext) {
      await ctx.publish('Invoice.created', { from: ctx.id });
      if (data.fail) throw new Error('rolls back the follow-up');
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    ds1 = await db.connect();
    ds2 = await db.connect();
    effects = await createEffectsTable(db, ds1);
    apps.push(
      await createPersistenceApp({ exchange, service, dataSource: ds1 }, [Handlers], { logger: logs }),
    );
    apps.push(
      await createPersistenceApp({ exchange, service, dataSource: ds2 }, [Handlers], { logger: logs }),
    );
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await deleteTopology(exchange, queues);
    await db?.drop();
  });

  it('processes one event id once across two instances: 1,000 copies interleaved with 1,000 others → 1,001 effects', async () => {
    const publisher = apps[0].get(EventPublisher);
    const dupId = 'dup-00000000-0000-4000-8000-000000000001';
    const batch: Array<Promise<unknown>> = [];
    for (let i = 0; i < 1000; i++) {
      batch.push(publisher.publish('Order.placed', { n: i }, { id: dupId }));
      batch.push(publisher.publish('Order.placed', { n: i }));
    }
    await Promise.all(batch);
    await waitFor(() => handled() >= 4000, 'all 4,000 deliveries', 60_000, 100);
    expect(await countRows(ds1, effects, `note LIKE 'n=%'`)).toBe(1001);
    expect(await countRows(ds1, `(SELECT DISTINCT event_id FROM ${effects} WHERE note LIKE 'n=%') d`)).toBe(
      1001,
    );
    expect(calls.effect).toBe(1001);
    expect(calls.count).toBe(1001);
    expect(countedIds.size).toBe(1001);
    expect(await countRows(ds1, db.table('events_inbox'), `event_id = '${dupId}'`)).toBe(2);
  }, 90_000);

  it('rolls back the effect of a failed attempt: throws on attempt 1, succeeds on 2 → one effect row', async () => {
    const { id } = await apps[0].get(EventPublisher).publish('Payment.flaky', {});
    await waitFor(
      async () => (await countRows(ds1, db.table('events_inbox'), `event_id = '${id}'`)) === 1,
      'attempt 2 to commit',
    );
    expect(flakyAttempts).toEqual([1, 2]);
    expect(await countRows(ds1, effects, `event_id = '${id}'`)).toBe(1);
    expect(await apps[0].get(DeadLetterService).count(`${service}.Handlers.flaky`)).toBe(0);
  });

  it('deduplicates on idempotencyKey(data) when the natural key is not the event id', async () => {
    const publisher = apps[0].get(EventPublisher);
    const before = handled();
    await publisher.publish('Payment.keyed', { paymentId: 'p-1' });
    await publisher.publish('Payment.keyed', { paymentId: 'p-1' });
    await publisher.publish('Payment.keyed', { paymentId: 'p-2' });
    await waitFor(
      async () => (await countRows(ds1, db.table('events_inbox'), `event_id LIKE 'payment:%'`)) === 2,
      'two keys',
    );
    await waitFor(() => handled() - before === 3, 'three deliveries');
    expect(calls.keyed).toBe(2);
    const skipped = logs.lines.filter((l) => l.level === 'debug' && l.text.includes('skipped Payment.keyed'));
    expect(skipped).toHaveLength(1);
    expect(skipped[0].text).toMatch(/key payment:p-1\): already processed by .*Handlers\.keyed/);
  });

  it('writes ctx.publish() of a transactional handler to the outbox in its transaction: sent only if it commits', async () => {
    const tap = await ExchangeTap.open(exchange);
    try {
      const publisher = apps[0].get(EventPublisher);
      const ok = await publisher.publish('Invoice.requested', { fail: false });
      const bad = await publisher.publish('Invoice.requested', { fail: true });
      const dls = apps[0].get(DeadLetterService);
      await waitFor(
        async () => (await dls.count(`${service}.Handlers.followUp`)) === 1,
        'the failing one to be parked',
      );
      await waitFor(
        () => tap.messages.some((m) => m.properties.type === 'Invoice.created'),
        'the follow-up of the committed one',
      );
      await new Promise((r) => setTimeout(r, 300));
      const followUps = tap.messages.filter((m) => m.properties.type === 'Invoice.created');
      expect(followUps.map((m) => JSON.parse(m.content.toString()).from)).toEqual([ok.id]);
      expect(followUps[0].properties.headers?.['x-causation-id']).toBe(ok.id);
      expect(await countRows(ds1, db.table('events_outbox'), `event_type = 'Invoice.created'`)).toBe(1);
      expect(bad.id).not.toBe(ok.id);
    } finally {
      await tap.close();
    }
  });
});
