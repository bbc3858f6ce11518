// Consumer child process. argv[2] = JSON { mode, exchange, service, queue, prefetch }; modes: see SIDES in run.mjs.
// Commands: arm { n } (start counting), wait { timeoutMs } (resolves after n events), exit.
import 'reflect-metadata';
import v8 from 'node:v8';
import { AMQP_URL, EVENT_TYPE, childArgs, cpuUs, nowUs, queueArguments, serveCommands, signalFatal, signalReady } from './common.mjs';

const args = childArgs();
// The library built in this checkout (libs/events/dist), not whatever the shared node_modules link points to
const LIBRARY = new URL('../libs/events/dist/index.js', import.meta.url).href;

/** Records receive times; one armed phase at a time. */
const rec = {
  armed: false,
  expected: 0,
  count: 0,
  stray: 0,
  lat: new Float64Array(0),
  cpu0: 0,
  firstUs: 0,
  result: undefined,
  waiter: undefined,
};

function record(data) {
  const t = nowUs();
  if (!rec.armed) {
    rec.stray++;
    return;
  }
  if (rec.count === 0) rec.firstUs = t;
  rec.lat[rec.count++] = t - data.sentAt;
  if (rec.count === rec.expected) finish(t);
}

function finish(lastUs) {
  rec.armed = false;
  const cpu = cpuUs() - rec.cpu0;
  const sorted = rec.lat.slice(0, rec.count).sort();
  const pct = (p) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] / 1000;
  rec.result = { n: rec.count, firstUs: rec.firstUs, lastUs, cpuUs: cpu, p50Ms: pct(0.5), p99Ms: pct(0.99), maxMs: pct(1) };
  rec.waiter?.(rec.result);
}

/** Raw amqplib ('raw' and 'wire'): manual acks, prefetch, JSON.parse of the body. */
async function rawConsumer() {
  const { default: amqplib } = await import('amqplib');
  const conn = await amqplib.connect(AMQP_URL);
  const ch = await conn.createChannel();
  if (args.declare !== false) {
    await ch.assertExchange(args.exchange, 'topic', { durable: true });
    await ch.assertQueue(args.queue, { durable: true, arguments: queueArguments(args.mode) });
    await ch.bindQueue(args.queue, args.exchange, EVENT_TYPE);
  }
  await ch.prefetch(args.prefetch);
  await ch.consume(
    args.queue,
    (msg) => {
      if (!msg) return;
      record(JSON.parse(msg.content.toString('utf8')));
      ch.ack(msg);
    },
    { noAck: false },
  );
  return { close: () => conn.close() };
}

/** The library: a Nest application context with EventsModule and one @OnEvent handler. */
async function libConsumer() {
  const { Injectable, Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { EventsModule, OnEvent } = await import(LIBRARY);
  class BenchHandler {
    onEvent(data) {
      record(data);
    }
  }
  // decorators applied by hand (plain JS): same effect as @Injectable() and @OnEvent('Bench.created')
  const proto = BenchHandler.prototype;
  OnEvent(EVENT_TYPE)(proto, 'onEvent', Object.getOwnPropertyDescriptor(proto, 'onEvent'));
  Injectable()(BenchHandler);
  class BenchConsumerModule {}
  const variant = args.mode === 'libce' ? { cloudEvents: 'headers', maxPriority: 10 } : {};
  Module({
    imports: [EventsModule.forRoot({ uri: AMQP_URL, service: args.service, exchange: args.exchange, prefetch: args.prefetch, ...variant })],
    providers: [BenchHandler],
  })(BenchConsumerModule);
  const app = await NestFactory.createApplicationContext(BenchConsumerModule, { logger: ['error', 'warn'] });
  return { close: () => app.close() };
}

/** A peer (bench/peers/): @golevelup/nestjs-rabbitmq or Nest's RMQ transport with a wildcard pattern. */
async function peerConsumer() {
  const peer = await import(args.mode === 'golevelup' ? './peers/golevelup.mjs' : './peers/nest-rmq.mjs');
  return peer.consumer({ ...args, url: AMQP_URL, eventType: EVENT_TYPE, pattern: 'Bench.*' }, record);
}

const CONSUMERS = { raw: rawConsumer, wire: rawConsumer, lib: libConsumer, libce: libConsumer, golevelup: peerConsumer, nestrmq: peerConsumer };

try {
  // consumer setup time: from here (imports of the client library included) until it consumes
  const setupStart = performance.now();
  const consumer = await CONSUMERS[args.mode]();
  const setupMs = performance.now() - setupStart;
  serveCommands({
    arm: ({ n }) => {
      rec.expected = n;
      rec.count = 0;
      rec.lat = new Float64Array(n);
      rec.result = undefined;
      rec.cpu0 = cpuUs();
      rec.armed = true;
      return { stray: rec.stray };
    },
    wait: ({ timeoutMs }) =>
      rec.result ??
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`only ${rec.count}/${rec.expected} events within ${timeoutMs} ms`)), timeoutMs);
        rec.waiter = (r) => {
          clearTimeout(t);
          rec.waiter = undefined;
          resolve(r);
        };
      }),
    stats: () => ({
      memory: process.memoryUsage(),
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
      spaces: v8.getHeapSpaceStatistics().map((h) => ({ name: h.space_name, sizeMiB: h.space_size / 2 ** 20, usedMiB: h.space_used_size / 2 ** 20 })),
    }),
    exit: async () => {
      const maxRssMiB = process.resourceUsage().maxRSS / 1024;
      await consumer.close();
      return { maxRssMiB, stray: rec.stray };
    },
  });
  // RSS once the application (or raw connection) is up, before any event
  signalReady({ rssMiB: process.memoryUsage().rss / 2 ** 20, setupMs });
} catch (e) {
  signalFatal(e);
}
