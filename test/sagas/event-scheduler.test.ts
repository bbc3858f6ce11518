import { Injectable, type INestApplicationContext } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { EventPublisher, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { EventScheduler } from 'nestjs-amqp-events/sagas';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import type { TestDatabase } from '../persistence/support/databases.js';
import { createSagaApp, createSagaDatabase, sagaQueues } from './support/saga-app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('EventScheduler across two instances and a restart (Postgres)', () => {
  const exchange = uniqueName('sched');
  const service = uniqueName('svc');
  const INTERVAL = 400;
  let db: TestDatabase;
  const apps: INestApplicationContext[] = [];
  const fired: Array<{ id: string; at: number; data: unknown }> = [];

  @Injectable()
  class Clock {
    @OnEvent('Clock.ticked', { queue: `${service}.clock` })
    on(data: unknown, ctx: EventContext) {
      fired.push({ id: ctx.id, at: Date.now(), data });
    }
  }

  const boot = async () => {
    const ds: DataSource = await db.connect();
    const app = await createSagaApp({ exchange, service, dataSource: ds, sagas: { sagas: [] } }, [Clock]);
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    db = await createSagaDatabase('postgres');
  });

  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await deleteTopology(exchange, sagaQueues(service, [`${service}.clock`]));
    await db?.drop();
  });

  it('fires once per interval across two instances, never twice for one tick, and keeps its schedule across a restart', async () => {
    const [a, b] = [await boot(), await boot()];
    const started = Date.now();
    await Promise.all([
      a.get(EventScheduler).every('report', INTERVAL, 'Clock.ticked', { what: 'report' }),
      b.get(EventScheduler).every('report', INTERVAL, 'Clock.ticked', { what: 'report' }),
    ]);
    await waitFor(() => fired.length >= 5, '5 ticks', 10_000);
    // five ticks in about five intervals (the delay is never early, at most max(1 s, 2 %) late)
    expect(fired[4].at - started).toBeGreaterThanOrEqual(5 * INTERVAL - 50);
    expect(fired[4].at - started).toBeLessThan(5 * INTERVAL + 1500);
    // duplicate tick messages (e.g. a re-seed racing the real one) from both instances
    const [next] = await a.get(EventScheduler).list();
    const tick = { schedule: 'report', tick: next.nextTick };
    await Promise.all(
      [a, b, a, b].map((app) => app.get(EventPublisher).publish(`Saga.${service}.tick`, tick)),
    );

    for (const app of apps.splice(0)) await app.close(); // every instance down
    const firedBeforeRestart = fired.length;
    await sleep(INTERVAL * 2);
    const c = await boot();
    expect((await c.get(EventScheduler).list()).map((s) => s.name)).toEqual(['report']);
    await waitFor(() => fired.length >= firedBeforeRestart + 3, '3 more ticks after the restart', 10_000);

    expect(await c.get(EventScheduler).cancel('report')).toBe(true);
    const atCancel = fired.length;
    await sleep(INTERVAL * 3);
    expect(fired.length).toBeLessThanOrEqual(atCancel + 1); // at most one already committed in flight

    const ids = fired.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(ids.map((_, i) => `report:${i + 1}`));
    expect(fired[0].data).toEqual({ what: 'report' });
  }, 40_000);
});
