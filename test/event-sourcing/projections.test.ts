import type { INestApplicationContext } from '@nestjs/common';
import { EventStore, ProjectionService } from 'nestjs-amqp-events/event-sourcing';
import type { DataSource } from 'typeorm';
import { waitFor } from '../support/wait.js';
import {
  APPLIED_CONFIG,
  AppliedProjection,
  appliedRows,
  createAppliedTable,
  type AppliedConfig,
} from './support/applied.projection.js';
import { createEsApp } from './support/es-app.js';
import { createEventStoreDatabase, type Dialect, type TestDatabase } from './support/es-database.js';

const projections = {
  batchSize: 50,
  pollIntervalMs: 20,
  leaseMs: 1000,
  retry: { maxAttempts: 3, initialDelayMs: 20, backoff: 'fixed' as const },
};

describe.each<Dialect>(['postgres', 'sqlite'])('projections on %s', (dialect) => {
  let db: TestDatabase;
  let table: string;
  const apps: INestApplicationContext[] = [];

  async function startApp(
    instance: string,
    failOn = new Set<string>(),
    pollIntervalMs = projections.pollIntervalMs,
  ): Promise<{ app: INestApplicationContext; cfg: AppliedConfig; ds: DataSource }> {
    const ds = await db.connect();
    const cfg: AppliedConfig = { table, dialect, instance, failOn };
    const app = await createEsApp(
      { dataSource: ds, es: { projections: { ...projections, pollIntervalMs } } },
      [AppliedProjection, { provide: APPLIED_CONFIG, useValue: cfg }],
    );
    apps.push(app);
    return { app, cfg, ds };
  }

  async function caughtUp(app: INestApplicationContext): Promise<void> {
    const service = app.get(ProjectionService);
    await waitFor(
      async () => {
        const s = (await service.status()).find((x) => x.name === 'es-applied');
        return s && s.lag === 0 && s.state === 'running';
      },
      'the projection to catch up',
      60_000,
    );
  }

  beforeEach(async () => {
    db = await createEventStoreDatabase(dialect);
    table = await createAppliedTable(db, await db.connect());
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await db.drop();
  });

  it('applies every event of 8 concurrent writers × 500 exactly once, in position order, while running', async () => {
    const { app, ds } = await startApp('one');
    const store = app.get(EventStore);
    // writers on their own connections (Postgres pool), so their transactions really overlap; on Postgres each
    // append runs inside a caller's transaction that stays open a few ms after the insert (a slow unit of
    // work), which is what lets a later position commit before an earlier one without the store's guard
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 100; i++) {
          const events = Array.from({ length: 5 }, (_, k) => ({
            type: k % 2 ? 'Load.tick' : 'Load.tock',
            data: { w, i, k },
          }));
          if (dialect === 'sqlite') {
            await store.append(`load-${w}-${i % 5}`, events, { expectedVersion: 'any' });
            continue;
          }
          await ds.transaction(async (m) => {
            await store.append(`load-${w}-${i % 5}`, events, { expectedVersion: 'any', transaction: m });
            await sleep(Math.random() * 4);
          });
        }
      }),
    );
    await store.append('noise', [{ type: 'Other.thing', data: {} }], { expectedVersion: 'any' });
    await caughtUp(app);
    const rows = await appliedRows(ds, table);
    expect(rows).toHaveLength(4000);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(4000);
    const positions = rows.map((r) => r.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    const stored = (await ds.query(
      `SELECT COUNT(*) AS n FROM ${db.table('events_store')} WHERE "type" LIKE 'Load.%'`,
    )) as Array<{ n: string }>;
    expect(Number(stored[0].n)).toBe(4000);
  }, 120_000);

  it('runs one active projector across two app instances: still exactly once', async () => {
    const a = await startApp('a');
    const b = await startApp('b');
    const store = a.app.get(EventStore);
    for (let i = 0; i < 20; i++)
      await store.append(
        `two-${i}`,
        Array.from({ length: 30 }, (_, k) => ({ type: 'Load.two', data: { k } })),
        { expectedVersion: 'no-stream' },
      );
    await caughtUp(a.app);
    const rows = await appliedRows(a.ds, table);
    expect(rows).toHaveLength(600);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(600);
    const statuses = [
      ...(await a.app.get(ProjectionService).status()),
      ...(await b.app.get(ProjectionService).status()),
    ];
    expect(statuses.filter((s) => s.activeHere)).toHaveLength(1);
    // the active instance goes away: the other takes over and continues exactly once
    const aActive = (await a.app.get(ProjectionService).status()).some((s) => s.activeHere);
    const [gone, stays] = aActive ? [a, b] : [b, a];
    await gone.app.close();
    apps.splice(apps.indexOf(gone.app), 1);
    const store2 = stays.app.get(EventStore);
    for (let i = 0; i < 10; i++)
      await store2.append(`two-more-${i}`, [{ type: 'Load.more', data: { i } }], {
        expectedVersion: 'no-stream',
      });
    await caughtUp(stays.app);
    const after = await appliedRows(stays.ds, table);
    expect(after).toHaveLength(610);
    expect(new Set(after.map((r) => r.event_id)).size).toBe(610);
    expect(after.slice(600).every((r) => r.instance === stays.cfg.instance)).toBe(true);
  }, 60_000);

  it('retries a failing handler, then stops the projection with the error in status(), never skipping the event', async () => {
    const { app, cfg, ds } = await startApp('f');
    const store = app.get(EventStore);
    await store.append('f-1', [{ type: 'Load.ok', data: 1 }], { expectedVersion: 'no-stream' });
    await caughtUp(app);
    const badId = `bad-${dialect}`;
    cfg.failOn.add(badId);
    const bad = await store.append('f-2', [{ type: 'Load.bad', data: 2, id: badId }], {
      expectedVersion: 'no-stream',
    });
    await store.append('f-3', [{ type: 'Load.after', data: 3 }], { expectedVersion: 'no-stream' });
    const service = app.get(ProjectionService);
    const failed = await waitFor(
      async () => (await service.status()).find((s) => s.state === 'failed'),
      'the projection to stop',
      10_000,
    );
    expect(failed.error).toMatch(/stopped at position \d+ \(Load\.bad\) after 3 attempts: cannot project/);
    expect(failed.position).toBe(bad.positions[0] - 1);
    expect((await appliedRows(ds, table)).map((r) => r.event_id)).not.toContain(bad.ids[0]);
    expect(await service.health()).toEqual({
      healthy: false,
      failed: [{ name: 'es-applied', position: failed.position, error: failed.error }],
    });
    cfg.failOn.clear();
    await service.restart('es-applied');
    await caughtUp(app);
    expect((await service.health()).healthy).toBe(true);
    const rows = await appliedRows(ds, table);
    expect(rows.map((r) => r.position)).toEqual([...rows.map((r) => r.position)].sort((x, y) => x - y));
    expect(rows).toHaveLength(3);
  }, 30_000);

  it('rebuilds: reset hook and checkpoint to zero in one transaction, then replays every event once', async () => {
    const { app, ds } = await startApp('r');
    const store = app.get(EventStore);
    for (let i = 0; i < 5; i++)
      await store.append(
        `r-${i}`,
        Array.from({ length: 40 }, () => ({ type: 'Load.r', data: {} })),
        { expectedVersion: 'no-stream' },
      );
    await caughtUp(app);
    expect(await appliedRows(ds, table)).toHaveLength(200);
    const firstSeq = (await appliedRows(ds, table)).at(-1)!.seq;
    await app.get(ProjectionService).rebuild('es-applied');
    await caughtUp(app);
    const rows = await appliedRows(ds, table);
    expect(rows).toHaveLength(200);
    expect(rows.every((r) => r.seq > firstSeq)).toBe(true);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(200);
    await expect(app.get(ProjectionService).rebuild('nope')).rejects.toThrow(
      /Unknown projection "nope"; known: es-applied/,
    );
  }, 30_000);

  it('wakes its projector at once after an append in the same process, without waiting for the poll', async () => {
    const { app, ds } = await startApp('woken', new Set(), 600_000);
    const store = app.get(EventStore);
    for (let i = 0; i < 3; i++) {
      const r = await store.append(`w-${i}`, [{ type: 'Load.woken', data: {} }], {
        expectedVersion: 'no-stream',
      });
      // the poll interval is 10 minutes: only the in-process wake-up can bring each event in time
      await waitFor(
        async () => (await appliedRows(ds, table)).some((x) => x.event_id === r.ids[0]),
        `event ${i}`,
        5_000,
      );
    }
  }, 30_000);
});
