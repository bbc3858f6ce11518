// Event-store benchmark: append throughput (one stream with expectedVersion; many streams in batches, with
// and without the outbox write), readAll rate, projection catch-up rate, aggregate load of 10,000 events
// with and without a snapshot, on PostgreSQL and SQLite. Figures → stdout and a section of
// docs/benchmarks-persistence.md (between the event-store-bench markers). Needs the built library
// (npm run build:lib), PostgreSQL, and RabbitMQ for the outbox scenario.
// Environment: AMQP_URL, PGHOST, PGPORT, BENCH_ES_EVENTS (20000), BENCH_ES_ROUNDS (3), BENCH_ES_DIALECTS (postgres,sqlite).
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { DataSource } from 'typeorm';
import {
  EventsModule,
  OnEvent,
  eventsPostgresMigrations,
  eventsSqliteMigrations,
} from '../libs/events/dist/index.js';
import { IntegrationEvent } from '../libs/events/dist/cqrs/index.js';
import {
  AggregateRepository,
  EventSourcedAggregate,
  EventSourcingModule,
  EventStore,
  Projection,
  ProjectionService,
  eventStorePostgresMigrations,
  eventStoreSqliteMigrations,
} from '../libs/events/dist/event-sourcing/index.js';

const env = process.env;
const int = (v, d) => (v ? Number.parseInt(v, 10) : d);
const cfg = {
  amqp: env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  events: int(env.BENCH_ES_EVENTS, 20_000),
  rounds: int(env.BENCH_ES_ROUNDS, 3),
  dialects: (env.BENCH_ES_DIALECTS ?? 'postgres,sqlite').split(','),
};
const PG = {
  host: env.PGHOST ?? '127.0.0.1',
  port: int(env.PGPORT, 5432),
  username: 'postgres',
  database: 'test',
};
const log = (m) => console.log(`[bench:event-store ${new Date().toISOString().slice(11, 19)}] ${m}`);
const uid = () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (n, ms) => Math.round((n * 1000) / ms);

// --- an aggregate and a projection, decorated by hand (plain ESM) ---
class Incremented {
  constructor(by) {
    this.by = by;
  }
}
IntegrationEvent('BenchCounter.incremented')(Incremented);

class Counter extends EventSourcedAggregate {
  value = 0;
  onIncremented(e) {
    this.value += e.by;
  }
}
class SnapCounter extends Counter {
  static snapshot = { every: 1000, version: 1 };
  static streamPrefix = 'SnapCounter';
}

let projected = 0;
class CountingProjection {
  on() {
    projected++;
  }
}
Projection('bench-count')(CountingProjection);
OnEvent('#')(
  CountingProjection.prototype,
  'on',
  Object.getOwnPropertyDescriptor(CountingProjection.prototype, 'on'),
);

async function openDatabase(dialect) {
  const name = `bench_es_${uid()}`;
  let options;
  let dir;
  if (dialect === 'postgres') {
    options = {
      type: 'postgres',
      ...PG,
      schema: name,
      poolSize: 20,
      migrations: [...eventsPostgresMigrations, ...eventStorePostgresMigrations],
    };
  } else {
    dir = mkdtempSync(join(os.tmpdir(), 'bench-es-'));
    options = {
      type: 'better-sqlite3',
      database: join(dir, 'events.db'),
      enableWAL: true,
      migrations: [...eventsSqliteMigrations, ...eventStoreSqliteMigrations],
    };
  }
  const ds = new DataSource(options);
  await ds.initialize();
  if (dialect === 'postgres') await ds.query(`CREATE SCHEMA "${name}"`);
  await ds.runMigrations();
  return {
    ds,
    async drop() {
      await ds.destroy();
      if (dialect === 'postgres') {
        const admin = new DataSource({ type: 'postgres', ...PG });
        await admin.initialize();
        await admin.query(`DROP SCHEMA "${name}" CASCADE`);
        await admin.destroy();
      } else rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function createApp(ds, { outbox = false, projections = false } = {}) {
  const imports = outbox
    ? [
        EventsModule.forRoot({
          uri: cfg.amqp,
          service: `bench-es-${uid()}`,
          exchange: `bench-es-${uid()}`,
          consume: false,
          persistence: { dataSource: ds, relay: false },
        }),
        EventSourcingModule.forRoot({ projections: { enabled: projections } }),
      ]
    : [
        EventSourcingModule.forRoot({
          dataSource: ds,
          publish: false,
          projections: { enabled: projections },
        }),
      ];
  class BenchModule {}
  Module({ imports, providers: projections ? [CountingProjection] : [] })(BenchModule);
  const app = await NestFactory.createApplicationContext(BenchModule, {
    logger: env.BENCH_LOGS ? undefined : false,
  });
  await app.init();
  return app;
}

/** Appends one event at a time to one stream, each with expectedVersion = the current version. */
async function singleStream(store, n) {
  const started = performance.now();
  for (let v = 0; v < n; v++)
    await store.append('single', [{ type: 'Bench.single', data: { v } }], {
      expectedVersion: v === 0 ? 'no-stream' : v,
    });
  return rate(n, performance.now() - started);
}

/** 8 concurrent writers, each appending batches of 50 events to new streams. */
async function manyStreams(store, n, batch = 50, writers = 8) {
  const per = Math.ceil(n / batch / writers);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < per; i++) {
        const events = Array.from({ length: batch }, (_, k) => ({ type: 'Bench.many', data: { w, i, k } }));
        await store.append(`many-${uid()}`, events, { expectedVersion: 'no-stream' });
      }
    }),
  );
  return rate(per * batch * writers, performance.now() - started);
}

async function readAll(store) {
  let count = 0;
  const started = performance.now();
  for await (const _ of store.readAll()) count++;
  return { count, perSecond: rate(count, performance.now() - started) };
}

async function catchUp(ds, head) {
  projected = 0;
  const started = performance.now();
  const app = await createApp(ds, { projections: true });
  const service = app.get(ProjectionService);
  for (;;) {
    const s = (await service.status()).find((x) => x.name === 'bench-count');
    if (s && s.position >= head) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - started;
  await app.close();
  await ds.query(
    `DELETE FROM ${ds.options.type === 'postgres' ? `"${ds.options.schema}".` : ''}"events_projections"`,
  );
  return rate(projected, ms);
}

async function loadTimes(repo, cls, id, loads = 20) {
  const times = [];
  for (let i = 0; i < loads; i++) {
    const started = performance.now();
    const c = await repo.load(cls, id);
    times.push(performance.now() - started);
    if (c.value !== 10_000) throw new Error(`bad load: ${c.value}`);
  }
  return median(times);
}

async function aggregateLoads(repo) {
  for (const cls of [Counter, SnapCounter]) {
    const c = new cls('agg');
    for (let i = 0; i < 10_000; i++) c.apply(new Incremented(1));
    await repo.save(c);
  }
  return {
    withoutSnapshot: await loadTimes(repo, Counter, 'agg'),
    withSnapshot: await loadTimes(repo, SnapCounter, 'agg'),
  };
}

async function round(dialect) {
  const r = {};
  {
    const db = await openDatabase(dialect);
    const app = await createApp(db.ds);
    const store = app.get(EventStore);
    r.single = await singleStream(store, Math.min(2000, cfg.events));
    r.many = await manyStreams(store, cfg.events);
    const all = await readAll(store);
    r.readAll = all.perSecond;
    r.stored = all.count;
    await app.close();
    r.catchUp = await catchUp(
      db.ds,
      await (async () =>
        Number(
          (
            await db.ds.query(
              `SELECT MAX("position") AS p FROM ${dialect === 'postgres' ? `"${db.ds.options.schema}".` : ''}"events_store"`,
            )
          )[0].p,
        ))(),
    );
    const app2 = await createApp(db.ds);
    Object.assign(r, await aggregateLoads(app2.get(AggregateRepository)));
    await app2.close();
    await db.drop();
  }
  {
    const db = await openDatabase(dialect);
    const app = await createApp(db.ds, { outbox: true });
    r.manyOutbox = await manyStreams(app.get(EventStore), cfg.events);
    await app.close();
    await db.drop();
  }
  return r;
}

const fmt = (xs, digits = 0) => {
  const f = (x) =>
    x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
};

const loadBefore = os.loadavg()[0];
const results = {};
for (const dialect of cfg.dialects) {
  const rounds = [];
  for (let i = 0; i < cfg.rounds; i++) {
    const r = await round(dialect);
    log(`${dialect} round ${i + 1}: ${JSON.stringify(r)}`);
    rounds.push(r);
  }
  results[dialect] = rounds;
}

const col = (d, k, digits) =>
  fmt(
    results[d].map((r) => r[k]),
    digits,
  );
const lines = [
  '<!-- event-store-bench:start -->',
  '## Event store (nestjs-amqp-events/event-sourcing)',
  '',
  `Generated by \`node bench/event-store.bench.mjs\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version},`,
  `same shared host as above (1-minute load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after: other engineers' runs).`,
  `Median of ${cfg.rounds} rounds (min–max); ${cfg.events.toLocaleString('en-US')} events in the many-streams scenarios.`,
  '"single stream": one event per append, expectedVersion = the current version, sequential. "many streams": 8 concurrent',
  'writers appending batches of 50 events to new streams (store only; "+ outbox" also writes every event to `events_outbox`',
  'in the same transaction, relay off). "readAll": the async iterable over the whole store (pages of 1,000). "catch-up":',
  'a projection with a no-op handler from position 0 to the head (batches of 500, each with its checkpoint transaction).',
  '"load": `AggregateRepository.load()` of an aggregate with 10,000 events, median of 20 loads; with a snapshot every 1,000',
  'events the load reads the snapshot and no events.',
  '',
  '| database | single stream (events/s) | many streams (events/s) | many streams + outbox (events/s) | readAll (events/s) | catch-up (events/s) | load, no snapshot (ms) | load, snapshot (ms) |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...cfg.dialects.map(
    (d) =>
      `| ${d} | ${col(d, 'single')} | ${col(d, 'many')} | ${col(d, 'manyOutbox')} | ${col(d, 'readAll')} | ${col(d, 'catchUp')} | ${col(d, 'withoutSnapshot', 1)} | ${col(d, 'withSnapshot', 2)} |`,
  ),
  '<!-- event-store-bench:end -->',
];
console.log(lines.join('\n'));
const out = fileURLToPath(new URL('../docs/benchmarks-persistence.md', import.meta.url));
const before = existsSync(out) ? readFileSync(out, 'utf8') : '';
const section = lines.join('\n');
const marked = /<!-- event-store-bench:start -->[\s\S]*<!-- event-store-bench:end -->/;
writeFileSync(
  out,
  marked.test(before) ? before.replace(marked, section) : `${before.trimEnd()}\n\n${section}\n`,
);
process.exit(0);
