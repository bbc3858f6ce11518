// Persistence benchmark: consume throughput with the inbox (idempotent / transactional) and outbox publish
// throughput, each beside the plain path, on PostgreSQL and SQLite. Figures → stdout and
// docs/benchmarks-persistence.md. Needs the built library (npm run build:lib), RabbitMQ and PostgreSQL.
// Environment: AMQP_URL, PGHOST, PGPORT, BENCH_P_EVENTS (10000), BENCH_P_ROUNDS (3), BENCH_P_PREFETCH (40),
// BENCH_P_POOL (20, Postgres pool size), BENCH_P_DIALECTS (postgres,sqlite).
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import amqplib from 'amqplib';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { DataSource } from 'typeorm';
import {
  EventPublisher,
  EventsMetrics,
  EventsModule,
  OnEvent,
  eventsPostgresMigrations,
  eventsSqliteMigrations,
} from '../libs/events/dist/index.js';

const env = process.env;
const int = (v, d) => (v ? Number.parseInt(v, 10) : d);
const cfg = {
  amqp: env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  events: int(env.BENCH_P_EVENTS, 10_000),
  rounds: int(env.BENCH_P_ROUNDS, 3),
  prefetch: int(env.BENCH_P_PREFETCH, 40),
  pool: int(env.BENCH_P_POOL, 20),
  dialects: (env.BENCH_P_DIALECTS ?? 'postgres,sqlite').split(','),
};
const PG = {
  host: env.PGHOST ?? '127.0.0.1',
  port: int(env.PGPORT, 5432),
  username: 'postgres',
  database: 'test',
};
const log = (m) => console.log(`[bench:persistence ${new Date().toISOString().slice(11, 19)}] ${m}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const uid = () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A fresh database per scenario: a Postgres schema or a SQLite file (WAL), migrated, with an effects table. */
async function openDatabase(dialect, pool = cfg.pool) {
  const name = `bench_${uid()}`;
  let options;
  let dir;
  if (dialect === 'postgres') {
    options = { type: 'postgres', ...PG, schema: name, poolSize: pool, migrations: eventsPostgresMigrations };
  } else {
    dir = mkdtempSync(join(os.tmpdir(), 'bench-sqlite-'));
    options = {
      type: 'better-sqlite3',
      database: join(dir, 'events.db'),
      enableWAL: true,
      migrations: eventsSqliteMigrations,
    };
  }
  const ds = new DataSource(options);
  await ds.initialize();
  if (dialect === 'postgres') await ds.query(`CREATE SCHEMA "${name}"`);
  await ds.runMigrations();
  const effects = dialect === 'postgres' ? `"${name}"."effects"` : '"effects"';
  await ds.query(
    dialect === 'postgres'
      ? `CREATE TABLE ${effects} (id bigserial PRIMARY KEY, event_id varchar(255) NOT NULL)`
      : `CREATE TABLE ${effects} (id integer PRIMARY KEY AUTOINCREMENT, event_id varchar(255) NOT NULL)`,
  );
  const insert = `INSERT INTO ${effects} (event_id) VALUES (${dialect === 'postgres' ? '$1' : '?'})`;
  return {
    ds,
    insert,
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

async function createApp(options, providers = []) {
  class BenchModule {}
  Module({
    imports: [EventsModule.forRoot({ uri: cfg.amqp, prefetch: cfg.prefetch, ...options })],
    providers,
  })(BenchModule);
  const app = await NestFactory.createApplicationContext(BenchModule, {
    logger: env.BENCH_LOGS ? undefined : false,
  });
  await app.init();
  return app;
}

async function deleteBrokerObjects(exchange, queues) {
  const conn = await amqplib.connect(cfg.amqp);
  const ch = await conn.createChannel();
  for (const q of queues.flatMap((q) => [q, `${q}.dlq`, `${exchange}.unrouted`]))
    await ch.deleteQueue(q).catch(() => undefined);
  for (let k = 0; k < 64; k++) await ch.deleteQueue(`${exchange}.delay.${k}`).catch(() => undefined);
  await ch.close().catch(() => undefined);
  const ch2 = await conn.createChannel();
  for (const x of [
    exchange,
    `${exchange}.unrouted`,
    `${exchange}.dlx`,
    `${exchange}.retry`,
    `${exchange}.delay.out`,
  ])
    await ch2.deleteExchange(x).catch(() => undefined);
  for (let k = 0; k < 64; k++) await ch2.deleteExchange(`${exchange}.delay.${k}`).catch(() => undefined);
  await conn.close();
}

async function waitUntil(cond, timeoutMs = 300_000, every = 5) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('benchmark timed out');
    await sleep(every);
  }
}

/**
 * Consume throughput of one handler kind: N events are queued first, then a consumer drains them; the rate
 * is measured from the first to the last handled event. Kinds: plain (no inbox), plain+write (the handler
 * inserts one row, autocommit), idempotent (inbox row), transactional (inbox row + the same insert in one
 * transaction).
 */
async function consumeRound(dialect, kind, tuning = { pool: cfg.pool, prefetch: cfg.prefetch }) {
  const db = await openDatabase(dialect, tuning.pool);
  const exchange = `bench-p-${uid()}`;
  const service = `bench-p-${uid()}`;
  const queue = `${service}.consume`;
  const options = {
    idempotent: kind === 'idempotent' || undefined,
    transactional: kind === 'transactional' || undefined,
    queue,
  };
  class Handlers {
    async handle(_data, ctx) {
      if (kind === 'plain+write') await db.ds.query(db.insert, [ctx.id]);
      if (kind === 'transactional') await ctx.manager.query(db.insert, [ctx.id]);
    }
  }
  Injectable()(Handlers);
  OnEvent('Bench.event', options)(
    Handlers.prototype,
    'handle',
    Object.getOwnPropertyDescriptor(Handlers.prototype, 'handle'),
  );
  const persistence =
    kind === 'idempotent' || kind === 'transactional' ? { dataSource: db.ds, pruneIntervalMs: 0 } : undefined;
  try {
    await (
      await createApp({ exchange, service, persistence, prefetch: tuning.prefetch }, [Handlers])
    ).close(); // declares the queue
    await sleep(200);
    const pub = await createApp({ exchange, service, consume: false });
    const publisher = pub.get(EventPublisher);
    for (let i = 0; i < cfg.events; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, cfg.events - i) }, (_, j) =>
          publisher.publish('Bench.event', { i: i + j, at: Date.now() }),
        ),
      );
    }
    await pub.close();
    const app = await createApp({ exchange, service, persistence, prefetch: tuning.prefetch }, [Handlers]);
    const metrics = app.get(EventsMetrics);
    await waitUntil(() => metrics.snapshot().handled >= 1, 60_000, 1);
    const t0 = performance.now();
    await waitUntil(() => metrics.snapshot().handled >= cfg.events);
    const t1 = performance.now();
    await app.close();
    return (cfg.events - 1) / ((t1 - t0) / 1000);
  } finally {
    await deleteBrokerObjects(exchange, [queue]);
    await db.drop();
  }
}

/**
 * Publish throughput: plain publish (confirmed, 100 in flight) versus the outbox: 20 writers each committing
 * transactions of one event ("write"), the relay draining N committed rows to the broker ("relay"), and
 * both at once end to end ("end to end": from the first write until the last row is confirmed and marked).
 */
async function publishRound(dialect) {
  const db = await openDatabase(dialect);
  const exchange = `bench-o-${uid()}`;
  const service = `bench-o-${uid()}`;
  const results = {};
  const n = cfg.events;
  try {
    const plainApp = await createApp({ exchange, service, consume: false });
    const publisher = plainApp.get(EventPublisher);
    let t0 = performance.now();
    for (let i = 0; i < n; i += 100)
      await Promise.all(
        Array.from({ length: Math.min(100, n - i) }, (_, j) =>
          publisher.publish('Bench.event', { i: i + j }),
        ),
      );
    results.plain = n / ((performance.now() - t0) / 1000);
    await plainApp.close();

    const outboxTable =
      dialect === 'postgres' ? `"${db.ds.options.schema}"."events_outbox"` : '"events_outbox"';
    const pending = async () =>
      Number((await db.ds.query(`SELECT COUNT(*) AS n FROM ${outboxTable} WHERE sent_at IS NULL`))[0].n);
    // TypeORM runs all SQLite work on one connection: concurrent transactions would nest, so one writer there
    const writers = dialect === 'postgres' ? 20 : 1;
    const writeAll = async (pub) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: writers }, async () => {
          while (next < n) {
            const i = next++;
            await db.ds.transaction((m) => pub.publish('Bench.event', { i }, { transaction: m }));
          }
        }),
      );
    };
    // write only (relay off)
    const writer = await createApp({
      exchange,
      service,
      consume: false,
      persistence: { dataSource: db.ds, relay: false, pruneIntervalMs: 0 },
    });
    t0 = performance.now();
    await writeAll(writer.get(EventPublisher));
    results.write = n / ((performance.now() - t0) / 1000);
    await writer.close();
    // relay only: drain the N committed rows
    const relay = await createApp({
      exchange,
      service,
      consume: false,
      persistence: { dataSource: db.ds, relayIntervalMs: 20, pruneIntervalMs: 0 },
    });
    t0 = performance.now();
    await waitUntil(async () => (await pending()) === 0, 300_000, 20);
    results.relay = n / ((performance.now() - t0) / 1000);
    // end to end: writers and relay together
    t0 = performance.now();
    await writeAll(relay.get(EventPublisher));
    await waitUntil(async () => (await pending()) === 0, 300_000, 20);
    results.endToEnd = n / ((performance.now() - t0) / 1000);
    await relay.close();
    return results;
  } finally {
    await deleteBrokerObjects(exchange, []);
    await db.drop();
  }
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');

async function main() {
  log(
    `events per run ${cfg.events}, rounds ${cfg.rounds}, prefetch ${cfg.prefetch}, Postgres pool ${cfg.pool}`,
  );
  const consume = {};
  const publish = {};
  for (const dialect of cfg.dialects) {
    consume[dialect] = {};
    for (const kind of ['plain', 'plain+write', 'idempotent', 'transactional']) {
      const rates = [];
      for (let r = 0; r < cfg.rounds; r++) {
        rates.push(await consumeRound(dialect, kind));
        log(`${dialect} consume ${kind}: ${fmt(rates.at(-1))} events/s`);
      }
      consume[dialect][kind] = rates;
    }
    if (dialect === 'postgres') {
      // the same with TypeORM's default pool (10) and the library's default prefetch (20)
      const label = 'postgres, pool 10, prefetch 20';
      consume[label] = {};
      for (const kind of ['plain', 'plain+write', 'idempotent', 'transactional']) {
        const rates = [];
        for (let r = 0; r < cfg.rounds; r++)
          rates.push(await consumeRound(dialect, kind, { pool: 10, prefetch: 20 }));
        log(`${label} consume ${kind}: ${fmt(median(rates))} events/s`);
        consume[label][kind] = rates;
      }
    }
    const rounds = [];
    for (let r = 0; r < cfg.rounds; r++) {
      rounds.push(await publishRound(dialect));
      log(
        `${dialect} publish: ${Object.entries(rounds.at(-1))
          .map(([k, v]) => `${k} ${fmt(v)}/s`)
          .join(', ')}`,
      );
    }
    publish[dialect] = Object.fromEntries(Object.keys(rounds[0]).map((k) => [k, rounds.map((x) => x[k])]));
  }
  writeReport(consume, publish);
}

function writeReport(consume, publish) {
  const cpu = os.cpus();
  const range = (xs) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
  const lines = [
    '# Benchmarks: inbox and outbox',
    '',
    `Generated by \`node bench/persistence.bench.mjs\` on ${new Date().toISOString().slice(0, 10)}: ${cpu.length} × ${cpu[0]?.model ?? 'CPU'},`,
    `Node ${process.version}, PostgreSQL and RabbitMQ on the same host (shared with other engineers' test runs: the same`,
    `configuration measured from about −35 % to +40 % of these medians on different runs). ${cfg.events.toLocaleString('en-US')} events per run, median of ${cfg.rounds} runs (min–max),`,
    `prefetch ${cfg.prefetch}, Postgres pool ${cfg.pool} connections (synchronous_commit on), SQLite file in WAL mode`,
    '(synchronous FULL) on ext4. Events/s.',
    '',
    '## Consume',
    '',
    'Events already queued, drained by one consumer; "plain+write" inserts one row per event (autocommit), "transactional"',
    'inserts the same row through `ctx.manager` in the inbox transaction. Rows without a note use the prefetch and pool',
    'above; the "pool 10, prefetch 20" row uses the defaults of TypeORM and of this library.',
    '',
    `| database | plain | plain+write | idempotent (inbox) | transactional (inbox + write) |`,
    `|---|---:|---:|---:|---:|`,
    ...Object.entries(consume).map(
      ([d, k]) =>
        `| ${d} | ${range(k.plain)} | ${range(k['plain+write'])} | ${range(k.idempotent)} | ${range(k.transactional)} |`,
    ),
    '',
    '## Publish',
    '',
    '"plain": `publish()` with broker confirms, 100 in flight. "outbox write": concurrent writers (Postgres 20; SQLite 1,',
    'since TypeORM runs all SQLite work on one connection), each committing transactions of one event',
    '(`publish(..., { transaction })`), relay off. "relay": one relay draining the committed rows',
    '(confirmed, marked sent). "end to end": writers and relay together, until the last row is marked sent.',
    '',
    `| database | plain publish | outbox write | relay | outbox end to end |`,
    `|---|---:|---:|---:|---:|`,
    ...Object.entries(publish).map(
      ([d, k]) =>
        `| ${d} | ${range(k.plain)} | ${range(k.write)} | ${range(k.relay)} | ${range(k.endToEnd)} |`,
    ),
    '',
  ];
  const out = fileURLToPath(new URL('../docs/benchmarks-persistence.md', import.meta.url));
  // keep the event-store section (written by bench/event-store.bench.mjs between its markers)
  let kept = '';
  try {
    const prev = readFileSync(out, 'utf8');
    const start = prev.indexOf('<!-- event-store-bench:start');
    const end = prev.indexOf('<!-- event-store-bench:end');
    if (start >= 0 && end > start) kept = `\n${prev.slice(start, prev.indexOf('\n', end) + 1 || prev.length)}`;
  } catch {
    // first run: nothing to keep
  }
  writeFileSync(out, `${lines.join('\n')}\n${kept}`);
  console.log(lines.join('\n'));
  log(`written to ${out}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
