import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import {
  eventsPostgresMigrations,
  eventsSqliteMigrations,
  OnEvent,
  type EventContext,
} from 'nestjs-amqp-events';
import {
  EventStore,
  eventStorePostgresMigrations,
  eventStoreSqliteMigrations,
  eventWindowsPostgresMigrations,
  eventWindowsSqliteMigrations,
  ProjectionService,
  WindowedAggregation,
  WindowedAggregationService,
  type WindowClosed,
} from 'nestjs-amqp-events/event-sourcing';
import type { DataSource, DataSourceOptions } from 'typeorm';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { createTestDatabase, type Dialect, type TestDatabase } from '../persistence/support/databases.js';
import { createEsApp } from './support/es-app.js';

const WINDOW_MS = 1000;
const LATENESS_MS = 1500;
const AGG = 'win-orders';
const EMIT = 'WinOrders.perWindow';

interface OrderData {
  region: string;
  total: number;
}

@WindowedAggregation<OrderData>({
  name: AGG,
  source: 'WinOrder.*',
  windowMs: WINDOW_MS,
  key: (order) => order.region,
  value: (order) => order.total,
  emit: EMIT,
  allowedLatenessMs: LATENESS_MS,
})
class OrdersPerWindow {}

@WindowedAggregation<OrderData>({
  name: 'win-bad-keys',
  source: 'WinBad.created',
  windowMs: WINDOW_MS,
  key: (order) => (order.region === 'nowhere' ? (undefined as unknown as string) : order.region),
})
class BadKeys {}

/** Receives the window events from RabbitMQ (the outbox relay published them). */
const received: Array<{ id: string; data: WindowClosed }> = [];
const handlerQueues: string[] = [];
@Injectable()
class WindowListener {
  @OnEvent(EMIT, { queue: '{service}.win-listener' })
  on(data: WindowClosed, ctx: EventContext): void {
    received.push({ id: ctx.id, data });
  }
}

const projections = { batchSize: 100, pollIntervalMs: 50, leaseMs: 1000 };

/** Counts and sums per (key, window start) computed from the stored events themselves. */
async function expectedFromStore(
  ds: DataSource,
  db: TestDatabase,
): Promise<Map<string, { count: number; sum: number }>> {
  const rows = (await ds.query(
    `SELECT "data", "recorded_at" FROM ${db.table('events_store')} WHERE "type" LIKE 'WinOrder.%'`,
  )) as Array<{ data: string; recorded_at: string | number }>;
  const out = new Map<string, { count: number; sum: number }>();
  for (const r of rows) {
    const d = JSON.parse(r.data) as OrderData;
    const start = Math.floor(Number(r.recorded_at) / WINDOW_MS) * WINDOW_MS;
    const k = `${d.region}@${start}`;
    const v = out.get(k) ?? { count: 0, sum: 0 };
    out.set(k, { count: v.count + 1, sum: v.sum + d.total });
  }
  return out;
}

/** The window events written to the outbox (each exactly what was published). */
async function emitted(ds: DataSource, db: TestDatabase): Promise<Array<{ id: string; data: WindowClosed }>> {
  const rows = (await ds.query(
    `SELECT "event_id", "payload" FROM ${db.table('events_outbox')} WHERE "event_type" = '${EMIT}' ORDER BY "id"`,
  )) as Array<{ event_id: string; payload: string }>;
  return rows.map((r) => ({ id: r.event_id, data: JSON.parse(r.payload) as WindowClosed }));
}

const windowId = (w: { key: string; windowStart: string | Date }) =>
  `${w.key}@${new Date(w.windowStart).getTime()}`;

describe.each<Dialect>(['postgres', 'sqlite'])('windowed aggregation on %s', (dialect) => {
  let db: TestDatabase;
  let exchange: string;
  let service: string; // per test: a queue left by an aborted run never meets this run's exchange
  const apps: INestApplicationContext[] = [];

  beforeEach(async () => {
    db = await createTestDatabase(dialect, {
      migrations:
        dialect === 'postgres'
          ? [...eventsPostgresMigrations, ...eventStorePostgresMigrations, ...eventWindowsPostgresMigrations]
          : [...eventsSqliteMigrations, ...eventStoreSqliteMigrations, ...eventWindowsSqliteMigrations],
    } as Partial<DataSourceOptions>);
    exchange = uniqueName('win');
    service = uniqueName(`win-${dialect}`);
    received.length = 0;
  }, 30_000);
  afterEach(async () => {
    // this test's objects, whatever the next test assigns meanwhile
    const [closing, queues, thisDb, thisExchange] = [apps.splice(0), handlerQueues.splice(0), db, exchange];
    jest.restoreAllMocks();
    for (const app of closing) await app.close();
    await thisDb.drop();
    await deleteTopology(thisExchange, queues);
  }, 60_000);

  /** An app running the aggregation (and, with `listen`, a bus handler of the window events). */
  async function startApp(listen = false): Promise<{ app: INestApplicationContext; ds: DataSource }> {
    const ds = await db.connect();
    if (listen) handlerQueues.push(`${service}.win-listener`);
    const app = await createEsApp(
      { dataSource: ds, bus: { exchange, service }, es: { publish: false, projections } },
      listen ? [OrdersPerWindow, WindowListener] : [OrdersPerWindow],
    );
    apps.push(app);
    return { app, ds };
  }

  async function caughtUpAndClosed(app: INestApplicationContext): Promise<void> {
    const projections = app.get(ProjectionService);
    const windows = app.get(WindowedAggregationService);
    await waitFor(
      async () => {
        const s = (await projections.status()).find((x) => x.name === AGG);
        if (s?.state === 'failed') throw new Error(`projection failed: ${s.error}`);
        return (
          s?.lag === 0 &&
          s.state === 'running' &&
          (await windows.windows(AGG, { state: 'open' })).length === 0
        );
      },
      'every window to close',
      60_000,
    );
  }

  /** `writers` concurrent writers, each appending `perWriter` events paced over `spreadMs` (so over several windows). */
  async function writeConcurrently(
    store: EventStore,
    writers: number,
    perWriter: number,
    tag: string,
    spreadMs = 2500,
  ) {
    const begin = Date.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < perWriter; i++) {
          const lag = begin + (i * spreadMs) / perWriter - Date.now();
          if (lag > 0) await new Promise((r) => setTimeout(r, lag)); // pacing the load, not waiting for a condition
          const data: OrderData = {
            region: ['eu', 'us', 'apac', 'latam'][(w + i) % 4],
            total: ((w * 31 + i) % 97) + 1,
          };
          await store.append(`${tag}-${w}-${i % 10}`, [{ type: 'WinOrder.created', data }], {
            expectedVersion: 'any',
          });
        }
      }),
    );
  }

  /** Every window of the store emitted exactly once with its exact count and sum, never before end + lateness. */
  async function expectExactWindows(app: INestApplicationContext, ds: DataSource): Promise<number> {
    const expected = await expectedFromStore(ds, db);
    const out = await emitted(ds, db);
    expect(new Set(out.map((e) => e.id)).size).toBe(out.length);
    expect(new Set(out.map((e) => windowId(e.data))).size).toBe(out.length);
    const got = new Map(out.map((e) => [windowId(e.data), { count: e.data.count, sum: e.data.sum }]));
    expect(got).toEqual(expected);
    const windows = await app.get(WindowedAggregationService).windows(AGG);
    expect(windows.reduce((n, w) => n + w.lateCount, 0)).toBe(0);
    for (const w of windows) {
      expect(w.state).toBe('closed');
      expect(w.closedAt!.getTime()).toBeGreaterThanOrEqual(w.windowEnd.getTime() + LATENESS_MS);
    }
    return out.length;
  }

  it('closes windows with exact counts and sums per key under 8 concurrent writers × 250 events, each emitted once', async () => {
    const { app, ds } = await startApp(true);
    const store = app.get(EventStore);
    await writeConcurrently(store, 8, 250, 'cw');
    await caughtUpAndClosed(app);
    const n = await expectExactWindows(app, ds);
    // several windows per key (4 keys): the writers ran over 2.5 s of 1 s windows
    expect(n).toBeGreaterThanOrEqual(12);
    const stored = (await expectedFromStore(ds, db)).size;
    expect(n).toBe(stored);
    // the same events reached a handler on RabbitMQ, through the outbox, with the same ids
    await waitFor(() => received.length >= n, `${n} window events on the bus`, 20_000);
    const out = await emitted(ds, db);
    expect(new Set(received.map((r) => r.id))).toEqual(new Set(out.map((e) => e.id)));
  }, 120_000);

  it('survives a restart mid-stream: no window emitted twice, none missed, counts exact', async () => {
    const one = await startApp();
    await writeConcurrently(one.app.get(EventStore), 4, 150, 'r1', 1500);
    // at least one window closed in the first app, some are still open when it stops
    await waitFor(async () => (await emitted(one.ds, db)).length > 0, 'a first window to close', 20_000);
    await one.app.close();
    apps.splice(apps.indexOf(one.app), 1);
    const emittedByFirst = (await emitted(one.ds, db)).length;

    // written while no aggregation runs (a writer without projections)
    const writerDs = await db.connect();
    const writer = await createEsApp({ dataSource: writerDs, es: { projections: { enabled: false } } });
    await writeConcurrently(writer.get(EventStore), 4, 100, 'r2', 1000);
    await writer.close();

    const two = await startApp();
    await writeConcurrently(two.app.get(EventStore), 4, 100, 'r3', 1000);
    await caughtUpAndClosed(two.app);
    const total = await expectExactWindows(two.app, two.ds);
    expect(total).toBeGreaterThan(emittedByFirst);
  }, 120_000);

  it('runs one active aggregator across two instances; the other takes over mid-stream, still exactly once', async () => {
    const a = await startApp();
    const b = await startApp();
    await writeConcurrently(a.app.get(EventStore), 4, 150, 'two', 1500);
    await waitFor(async () => (await emitted(a.ds, db)).length > 0, 'a first window to close', 20_000);
    const statuses = [
      ...(await a.app.get(ProjectionService).status()),
      ...(await b.app.get(ProjectionService).status()),
    ];
    expect(statuses.filter((s) => s.name === AGG && s.activeHere)).toHaveLength(1);
    const aActive = (await a.app.get(ProjectionService).status()).some((s) => s.name === AGG && s.activeHere);
    const [gone, stays] = aActive ? [a, b] : [b, a];
    await gone.app.close();
    apps.splice(apps.indexOf(gone.app), 1);
    await writeConcurrently(stays.app.get(EventStore), 4, 100, 'two-more', 1000);
    await caughtUpAndClosed(stays.app);
    await expectExactWindows(stays.app, stays.ds);
  }, 120_000);

  it('rebuilds: windows recomputed from the store and emitted again with the same event ids', async () => {
    const { app, ds } = await startApp();
    await writeConcurrently(app.get(EventStore), 2, 50, 'rb', 1200);
    await caughtUpAndClosed(app);
    const before = await emitted(ds, db);
    const windowsBefore = await app.get(WindowedAggregationService).windows(AGG);
    await app.get(ProjectionService).rebuild(AGG);
    await waitFor(
      async () => (await emitted(ds, db)).length === 2 * before.length,
      'the windows to be emitted again',
      20_000,
    );
    await caughtUpAndClosed(app);
    const after = await emitted(ds, db);
    expect(after.slice(before.length)).toEqual(before);
    const windowsAfter = await app.get(WindowedAggregationService).windows(AGG);
    const figures = (ws: typeof windowsAfter) =>
      ws.map((w) => [w.key, +w.windowStart, w.count, w.sum, w.lateCount]);
    expect(figures(windowsAfter)).toEqual(figures(windowsBefore));
  }, 60_000);

  it('closes the window of a quiet stream by the clock, once its end plus the allowed lateness passed', async () => {
    const { app, ds } = await startApp();
    const store = app.get(EventStore);
    for (const total of [3, 4, 5])
      await store.append('quiet', [{ type: 'WinOrder.created', data: { region: 'eu', total } }], {
        expectedVersion: 'any',
      });
    // nothing else is appended: only the projector's clock can close the window
    await caughtUpAndClosed(app);
    const closed = await app.get(WindowedAggregationService).windows(AGG);
    expect(closed.length).toBeGreaterThan(0);
    for (const w of closed) {
      const due = w.windowEnd.getTime() + LATENESS_MS;
      expect(w.closedAt!.getTime()).toBeGreaterThanOrEqual(due);
      // the poll interval is 50 ms; the projector sleeps until the window is due, not a full poll
      expect(w.closedAt!.getTime() - due).toBeLessThan(1000);
    }
    expect(closed.reduce((n, w) => n + w.count, 0)).toBe(3);
    expect(closed.reduce((n, w) => n + w.sum, 0)).toBe(12);
    const out = await emitted(ds, db);
    expect(out.map((e) => e.data).sort((a, b) => a.windowStart.localeCompare(b.windowStart))).toEqual(
      closed.map((w) => ({
        aggregation: AGG,
        key: 'eu',
        windowStart: w.windowStart.toISOString(),
        windowEnd: w.windowEnd.toISOString(),
        count: w.count,
        sum: w.sum,
      })),
    );
  }, 30_000);

  it('counts late events apart: the emitted window is final, a late-only window is never emitted', async () => {
    const { app, ds } = await startApp();
    const store = app.get(EventStore);
    await store.append('late', [{ type: 'WinOrder.created', data: { region: 'eu', total: 10 } }], {
      expectedVersion: 'any',
    });
    const [event] = await store.readStream('late');
    const t = event.recordedAt.getTime();
    const start = Math.floor(t / WINDOW_MS) * WINDOW_MS;
    await waitFor(async () => (await emitted(ds, db)).length === 1, 'the window to close', 10_000);

    // an instance whose clock is behind: its events are recorded with a time inside windows already closed
    jest.spyOn(Date, 'now').mockReturnValueOnce(t);
    await store.append('late', [{ type: 'WinOrder.created', data: { region: 'eu', total: 5 } }], {
      expectedVersion: 'any',
    });
    jest.spyOn(Date, 'now').mockReturnValueOnce(start - 3 * WINDOW_MS);
    await store.append('late', [{ type: 'WinOrder.created', data: { region: 'us', total: 7 } }], {
      expectedVersion: 'any',
    });
    jest.restoreAllMocks();
    await caughtUpAndClosed(app);

    const windows = await app.get(WindowedAggregationService).windows(AGG);
    expect(
      windows.map((w) => ({
        key: w.key,
        start: w.windowStart.getTime(),
        count: w.count,
        sum: w.sum,
        lateCount: w.lateCount,
        lateSum: w.lateSum,
        state: w.state,
      })),
    ).toEqual([
      {
        key: 'us',
        start: start - 3 * WINDOW_MS,
        count: 0,
        sum: 0,
        lateCount: 1,
        lateSum: 7,
        state: 'closed',
      },
      { key: 'eu', start, count: 1, sum: 10, lateCount: 1, lateSum: 5, state: 'closed' },
    ]);
    const out = await emitted(ds, db);
    expect(out.map((e) => e.data)).toEqual([
      {
        aggregation: AGG,
        key: 'eu',
        windowStart: new Date(start).toISOString(),
        windowEnd: new Date(start + WINDOW_MS).toISOString(),
        count: 1,
        sum: 10,
      },
    ]);
    expect(await app.get(WindowedAggregationService).watermark(AGG)).toBeInstanceOf(Date);
  }, 30_000);

  it('stops on an event whose key is not a string or number, with the error in status(), never skipping it', async () => {
    const ds = await db.connect();
    const app = await createEsApp(
      {
        dataSource: ds,
        es: { projections: { ...projections, retry: { maxAttempts: 2, initialDelayMs: 10 } } },
      },
      [BadKeys],
    );
    apps.push(app);
    const store = app.get(EventStore);
    await store.append('bad', [{ type: 'WinBad.created', data: { region: 'eu', total: 1 } }], {
      expectedVersion: 'any',
    });
    const bad = await store.append(
      'bad',
      [{ type: 'WinBad.created', data: { region: 'nowhere', total: 1 } }],
      {
        expectedVersion: 'any',
      },
    );
    const failed = await waitFor(
      async () =>
        (await app.get(ProjectionService).status()).find(
          (s) => s.name === 'win-bad-keys' && s.state === 'failed',
        ),
      'the aggregation to stop',
      10_000,
    );
    expect(failed.error).toContain(
      `key of event ${bad.ids[0]} (position ${bad.positions[0]}) must be a non-empty string or a number`,
    );
    expect(failed.position).toBeLessThan(bad.positions[0]);
  }, 30_000);

  if (dialect === 'sqlite')
    it('refuses to start an aggregation that emits without EventsModule persistence', async () => {
      await expect(createEsApp({ dataSource: await db.connect() }, [OrdersPerWindow])).rejects.toThrow(
        /emits "WinOrders.perWindow" through the outbox: import EventsModule/,
      );
    });
});
