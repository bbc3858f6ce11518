// Sagas benchmark (Postgres): sagas of 3 steps completed per second, and the time from the last step's
// event to `completed`. Needs the built library (npm run build:lib), RabbitMQ and PostgreSQL.
// Environment: AMQP_URL, PGHOST, PGPORT, BENCH_S_SAGAS (500), BENCH_S_LATENCY (50), BENCH_S_PREFETCH (50),
// BENCH_S_POOL (20).
// Run: npm run build:lib && node bench/sagas.bench.mjs
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import amqplib from 'amqplib';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  EventPublisher,
  EventsModule,
  OnEvent,
  eventsPostgresMigrations,
} from '../libs/events/dist/index.js';
import { SagaOrchestrator, SagasModule, sagasPostgresMigrations } from '../libs/events/dist/sagas/index.js';
import { DELAY_LEVELS } from '../libs/events/dist/constants.js';
import { names } from '../libs/events/dist/topology/topology-names.js';

const env = process.env;
const int = (v, d) => (v ? Number.parseInt(v, 10) : d);
const cfg = {
  amqp: env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  sagas: int(env.BENCH_S_SAGAS, 500),
  latency: int(env.BENCH_S_LATENCY, 50),
  prefetch: int(env.BENCH_S_PREFETCH, 50),
  pool: int(env.BENCH_S_POOL, 20),
};
const PG = {
  host: env.PGHOST ?? '127.0.0.1',
  port: int(env.PGPORT, 5432),
  username: 'postgres',
  database: 'test',
};
const log = (m) => console.log(`[bench:sagas ${new Date().toISOString().slice(11, 19)}] ${m}`);
const uid = () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

const schema = `bench_sagas_${uid()}`;
const exchange = `bench-sagas-${uid()}`;
const service = `bench-${uid()}`;
const admin = new DataSource({ type: 'postgres', ...PG });
await admin.initialize();
await admin.query(`CREATE SCHEMA "${schema}"`);
const ds = new DataSource({
  type: 'postgres',
  ...PG,
  schema,
  poolSize: cfg.pool,
  migrations: [...eventsPostgresMigrations, ...sagasPostgresMigrations],
});
await ds.initialize();
await ds.runMigrations();

const completedAt = new Map();
let onCompleted = () => undefined;
class CompletionListener {
  on(data) {
    completedAt.set(data.id, performance.now());
    onCompleted();
  }
}
Injectable()(CompletionListener);
OnEvent('Saga.completed', { queue: `${service}.bench-completed` })(
  CompletionListener.prototype,
  'on',
  Object.getOwnPropertyDescriptor(CompletionListener.prototype, 'on'),
);

const noop = () => undefined;
const sagas = [
  {
    name: 'three',
    steps: [
      { name: 'reserve', execute: noop },
      { name: 'charge', execute: noop },
      { name: 'ship', execute: noop },
    ],
  },
  {
    name: 'last-event',
    steps: [
      { name: 'reserve', execute: noop },
      { name: 'charge', execute: noop },
      { name: 'shipped', awaitEvents: { types: ['Bench.shipped'], timeoutMs: 60_000 } },
    ],
  },
];
class BenchModule {}
Module({
  imports: [
    EventsModule.forRoot({
      uri: cfg.amqp,
      exchange,
      service,
      prefetch: cfg.prefetch,
      persistence: { dataSource: ds, relayIntervalMs: 20 },
    }),
    SagasModule.forRoot({ sagas }),
  ],
  providers: [CompletionListener],
})(BenchModule);

const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
await app.init();
const orchestrator = app.get(SagaOrchestrator);
const events = app.get(EventPublisher);
const waitUntil = (cond) =>
  new Promise((resolve) => {
    onCompleted = () => cond() && resolve();
    if (cond()) resolve();
  });

try {
  // warm-up
  await Promise.all(Array.from({ length: 20 }, () => orchestrator.start('three', {})));
  await waitUntil(() => completedAt.size >= 20);
  completedAt.clear();

  log(`throughput: ${cfg.sagas} sagas x 3 steps, one instance, prefetch ${cfg.prefetch}`);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: cfg.sagas }, (_, i) => orchestrator.start('three', { i })));
  const started = performance.now();
  await waitUntil(() => completedAt.size >= cfg.sagas);
  const ms = performance.now() - t0;
  log(
    `  started all in ${(started - t0).toFixed(0)} ms; all completed after ${ms.toFixed(0)} ms → ${((cfg.sagas / ms) * 1000).toFixed(0)} sagas/s`,
  );

  log(`latency: ${cfg.latency} sagas one at a time, from publishing the awaited event to completed`);
  const toRow = [];
  const toEvent = [];
  for (let i = 0; i < cfg.latency; i++) {
    const { id } = await orchestrator.start('last-event', { i });
    while ((await orchestrator.get(id)).status !== 'waiting') await new Promise((r) => setTimeout(r, 5));
    const wall = Date.now();
    const t = performance.now();
    await events.publish('Bench.shipped', {}, { correlationId: id });
    await waitUntil(() => completedAt.has(id));
    toEvent.push(completedAt.get(id) - t);
    toRow.push((await orchestrator.get(id)).updatedAt.getTime() - wall);
  }
  log(`  row 'completed' committed: p50 ${pct(toRow, 50)} ms, p95 ${pct(toRow, 95)} ms`);
  log(
    `  Saga.completed delivered:  p50 ${pct(toEvent, 50).toFixed(1)} ms, p95 ${pct(toEvent, 95).toFixed(1)} ms`,
  );
} finally {
  await app.close();
  await ds.destroy();
  await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
  await admin.destroy();
  const conn = await amqplib.connect(cfg.amqp);
  const ch = await conn.createChannel();
  const handlerQueues = ['sagas', 'sagas-events', 'bench-completed'].map((q) => `${service}.${q}`);
  const queues = [...handlerQueues, ...handlerQueues.map(names.deadLetterQueue), names.unrouted(exchange)];
  const exchanges = [
    exchange,
    names.unrouted(exchange),
    names.deadLetterExchange(exchange),
    names.retryExchange(exchange),
    names.delayOut(exchange),
  ];
  for (let k = 0; k < DELAY_LEVELS; k++) {
    queues.push(names.delayLevel(exchange, k));
    exchanges.push(names.delayLevel(exchange, k));
  }
  for (const q of queues) await ch.deleteQueue(q);
  for (const e of exchanges) await ch.deleteExchange(e);
  await conn.close();
}
