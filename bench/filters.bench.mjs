// Filter savings: one handler that wants 10 % of the events, selected three ways —
//   none     no filter: every event is delivered to the handler (the baseline),
//   where    a payload predicate in the consumer (`where`): every event crosses the network, 90 % are acked unhandled,
//   headers  a header filter bound at the broker (`filter: { headers }`, a headers exchange in front of the queue):
//            only the matching 10 % reach the consumer.
// Measured per mode: consumer CPU (per published and per handled event), deliveries and bytes read by the
// consumer process, end-to-end throughput (first publish → last delivery processed). Rounds interleave the
// modes; each mode has its own consumer process, exchange and queue. The publisher is raw amqplib (confirms).
// Environment: AMQP_URL, BENCH_F_EVENTS (20000), BENCH_F_ROUNDS (5), BENCH_F_MATCH (0.1), BENCH_F_PREFETCH (100).
// Run: npm run build:lib && node bench/filters.bench.mjs
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import amqplib from 'amqplib';
import {
  AMQP_URL,
  cpuUs,
  makeEvent,
  nowUs,
  runWindowed,
  serveCommands,
  signalFatal,
  signalReady,
} from './common.mjs';

const EVENT = 'Bench.filtered';
const MODES = ['none', 'where', 'headers'];
const int = (v, d) => (v ? Number.parseInt(v, 10) : d);
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Bytes this process read through read(2)-like calls (sockets included): /proc/self/io `rchar`. */
function readBytes() {
  try {
    return Number(/rchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))[1]);
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------- consumer child
async function consumer(args) {
  const { Injectable, Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { EventsModule, OnEvent } = await import(
    new URL('../libs/events/dist/index.js', import.meta.url).href
  );
  const rec = {
    armed: false,
    expected: 0,
    seen: 0,
    handled: 0,
    cpu0: 0,
    bytes0: 0,
    lastUs: 0,
    waiter: undefined,
    result: undefined,
  };
  const finish = () => {
    rec.armed = false;
    rec.result = {
      seen: rec.seen,
      handled: rec.handled,
      cpuUs: cpuUs() - rec.cpu0,
      bytes: readBytes() - rec.bytes0,
      lastUs: rec.lastUs,
    };
    rec.waiter?.(rec.result);
  };
  const saw = () => {
    rec.seen++;
    rec.lastUs = nowUs();
    if (rec.armed && rec.seen === rec.expected) queueMicrotask(finish);
  };
  class FilteredHandler {
    on(data) {
      if (data.tenant !== 'acme' && args.mode !== 'none')
        throw new Error('a filtered-out event reached the handler');
      rec.handled++;
      saw();
    }
  }
  const options =
    args.mode === 'where'
      ? {
          where: (data) => {
            const hit = data.tenant === 'acme';
            if (!hit) saw(); // a skipped delivery is acked by the library right after
            return hit;
          },
        }
      : args.mode === 'headers'
        ? { filter: { headers: { tenant: 'acme' } } }
        : {};
  const proto = FilteredHandler.prototype;
  OnEvent(EVENT, { queue: args.queue, ...options })(
    proto,
    'on',
    Object.getOwnPropertyDescriptor(proto, 'on'),
  );
  Injectable()(FilteredHandler);
  class FilterBenchModule {}
  Module({
    imports: [
      EventsModule.forRoot({
        uri: AMQP_URL,
        service: args.service,
        exchange: args.exchange,
        prefetch: args.prefetch,
      }),
    ],
    providers: [FilteredHandler],
  })(FilterBenchModule);
  const app = await NestFactory.createApplicationContext(FilterBenchModule, { logger: ['error', 'warn'] });
  serveCommands({
    arm: ({ expected }) => {
      Object.assign(rec, {
        armed: true,
        expected,
        seen: 0,
        handled: 0,
        result: undefined,
        cpu0: cpuUs(),
        bytes0: readBytes(),
      });
      return {};
    },
    wait: ({ timeoutMs }) =>
      rec.result ??
      new Promise((resolve, reject) => {
        const t = setTimeout(
          () =>
            reject(new Error(`${args.mode}: ${rec.seen}/${rec.expected} deliveries within ${timeoutMs} ms`)),
          timeoutMs,
        );
        rec.waiter = (r) => {
          clearTimeout(t);
          rec.waiter = undefined;
          resolve(r);
        };
      }),
    exit: async () => {
      await app.close();
      return {};
    },
  });
  signalReady();
}

// ---------------------------------------------------------------- orchestrator
async function main() {
  const { Child } = await import('./child.mjs');
  const { names } = await import('../libs/events/dist/topology/topology-names.js');
  const { DELAY_LEVELS } = await import('../libs/events/dist/constants.js');
  const cfg = {
    events: int(process.env.BENCH_F_EVENTS, 20_000),
    rounds: int(process.env.BENCH_F_ROUNDS, 5),
    match: Number(process.env.BENCH_F_MATCH ?? 0.1),
    prefetch: int(process.env.BENCH_F_PREFETCH, 100),
  };
  const every = Math.round(1 / cfg.match);
  const matching = Math.ceil(cfg.events / every);
  const uid = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const log = (m) => console.log(`[bench:filters ${new Date().toISOString().slice(11, 19)}] ${m}`);
  log(
    `${cfg.events} events per round, 1 in ${every} matching (${matching}), ${cfg.rounds} rounds, prefetch ${cfg.prefetch}`,
  );

  const sides = Object.fromEntries(
    MODES.map((mode) => {
      const service = `benchf-${uid}-${mode}`;
      const args = {
        mode,
        exchange: `bench-filters-${uid}-${mode}`,
        service,
        queue: `${service}.filtered`,
        prefetch: cfg.prefetch,
      };
      return [mode, { args, child: new Child('filters.bench.mjs', args) }];
    }),
  );
  const conn = await amqplib.connect(AMQP_URL);
  const results = Object.fromEntries(MODES.map((m) => [m, []]));
  try {
    await Promise.all(Object.values(sides).map((s) => s.child.ready));
    const ch = await conn.createConfirmChannel();
    let onDrain = () => undefined;
    ch.on('drain', () => onDrain());
    const publishRound = (exchange, n) =>
      runWindowed(n, 500, {
        send: (seq, sentAt, onSettled) => {
          const tenant = seq % every === 0 ? 'acme' : `t${seq % 7}`;
          const body = Buffer.from(JSON.stringify({ ...makeEvent(seq, sentAt), tenant }));
          return ch.publish(
            exchange,
            EVENT,
            body,
            {
              messageId: `${uid}-${seq}`,
              type: EVENT,
              contentType: 'application/json',
              timestamp: Math.floor(Date.now() / 1000),
              persistent: false,
              headers: { tenant },
            },
            (err) => onSettled(err),
          );
        },
        onDrain: (fn) => (onDrain = fn),
      });
    // warm-up: one full round per mode, not counted (JIT, connections, queue processes)
    for (const mode of MODES) {
      const { args, child } = sides[mode];
      await child.request('arm', { expected: mode === 'headers' ? matching : cfg.events });
      await publishRound(args.exchange, cfg.events);
      await child.request('wait', { timeoutMs: 300_000 });
    }
    for (let round = 1; round <= cfg.rounds; round++) {
      for (const mode of MODES) {
        const { args, child } = sides[mode];
        const expected = mode === 'headers' ? matching : cfg.events;
        await child.request('arm', { expected });
        const pub = await publishRound(args.exchange, cfg.events);
        if (pub.errors) throw new Error(`${mode}: ${pub.errors} publish errors (${pub.firstError})`);
        const r = await child.request('wait', { timeoutMs: 300_000 });
        const seconds = (r.lastUs - pub.startUs) / 1e6;
        const row = {
          seen: r.seen,
          handled: r.handled,
          cpuMs: r.cpuUs / 1000,
          cpuUsPerPublished: r.cpuUs / cfg.events,
          cpuUsPerHandled: r.cpuUs / r.handled,
          kbRead: r.bytes / 1024,
          throughput: cfg.events / seconds,
          publishRate: cfg.events / ((pub.endUs - pub.startUs) / 1e6),
        };
        results[mode].push(row);
        log(
          `round ${round} ${mode.padEnd(7)} deliveries ${r.seen}, handled ${r.handled}, consumer CPU ${row.cpuMs.toFixed(0)} ms ` +
            `(${row.cpuUsPerHandled.toFixed(0)} µs/handled event), read ${row.kbRead.toFixed(0)} KiB, ${row.throughput.toFixed(0)} events/s end to end (published at ${row.publishRate.toFixed(0)}/s)`,
        );
      }
    }
    await ch.close();
  } finally {
    await Promise.all(Object.values(sides).map((s) => s.child.stop().catch(() => s.child.kill())));
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    for (const { args } of Object.values(sides)) {
      for (const q of [
        args.queue,
        names.deadLetterQueue(args.queue),
        names.unrouted(args.exchange),
        `${args.exchange}.services.${args.service}`,
      ])
        await ch.deleteQueue(q);
      for (let k = 0; k < DELAY_LEVELS; k++) await ch.deleteQueue(names.delayLevel(args.exchange, k));
      const exchanges = [
        `${args.queue}.filter`,
        args.exchange,
        names.unrouted(args.exchange),
        names.deadLetterExchange(args.exchange),
        names.retryExchange(args.exchange),
        names.delayOut(args.exchange),
        ...Array.from({ length: DELAY_LEVELS }, (_, k) => names.delayLevel(args.exchange, k)),
      ];
      for (const e of exchanges) await ch.deleteExchange(e);
    }
    await conn.close();
  }

  log(`medians of ${cfg.rounds} rounds (${cfg.events} events published per round, ${matching} matching):`);
  console.log(
    '| mode | deliveries to the consumer | KiB read by the consumer | consumer CPU, ms | CPU µs per published event | CPU µs per handled event | end-to-end events/s | publish (confirmed) events/s |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const mode of MODES) {
    const rs = results[mode];
    const m = (f) => med(rs.map(f));
    console.log(
      `| ${mode} | ${m((r) => r.seen)} | ${m((r) => r.kbRead).toFixed(0)} | ${m((r) => r.cpuMs).toFixed(0)} | ${m((r) => r.cpuUsPerPublished).toFixed(1)} | ${m((r) => r.cpuUsPerHandled).toFixed(0)} | ${m((r) => r.throughput).toFixed(0)} | ${m((r) => r.publishRate).toFixed(0)} |`,
    );
  }
}

if (process.argv[2]) {
  try {
    await consumer(JSON.parse(process.argv[2]));
  } catch (e) {
    signalFatal(e);
  }
} else {
  await main();
}
