// npm run bench: the library vs raw amqplib and its peers, interleaved rounds, medians → stdout and
// docs/benchmarks.md. Environment: AMQP_URL, BENCH_ROUNDS (5), BENCH_EVENTS (30000), BENCH_LATENCY_EVENTS
// (5000), BENCH_WARMUP (3000), BENCH_SIDES (raw,lib,golevelup,nestrmq,wire,libce), BENCH_CPU_PROF (a
// directory: children write .cpuprofile files).
// Sides: raw = plain amqplib; lib = the library; golevelup = @golevelup/nestjs-rabbitmq; nestrmq = Nest's
// RMQ transport (topic exchange, wildcard binding); wire = plain amqplib sending the library's message
// with the CloudEvents headers into a priority queue; libce = the library with cloudEvents: 'headers'
// and maxPriority: 10. The peers are installed into bench/peers/ on first use.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Child } from './child.mjs';
import { AMQP_URL, EVENT_TYPE, makeEvent } from './common.mjs';
import { brokerVersion, cleanup, declareQueue, libQueueName, peekCloudEventsHeaders, purgeQueue, queueDepth, sentinel } from './broker.mjs';
import { isLib } from './common.mjs';
import { writeMarkdown } from './markdown.mjs';
import { PEER_SIDES, ensurePeers, peerVersions } from './peers.mjs';
import { contendersTable, median, medians, targets, targetsTable } from './report.mjs';

const int = (v, d) => (v === undefined || v === '' ? d : Number.parseInt(v, 10));
const env = process.env;
const cfg = {
  rounds: int(env.BENCH_ROUNDS, 5),
  events: int(env.BENCH_EVENTS, 30_000),
  latencyEvents: int(env.BENCH_LATENCY_EVENTS, 5_000),
  warmup: int(env.BENCH_WARMUP, 3_000),
  rate: 1_000,
  window: 1_000,
  prefetch: 100,
  eventType: EVENT_TYPE,
  payloadBytes: Buffer.byteLength(JSON.stringify(makeEvent(12345, Number(process.hrtime.bigint() / 1000n)))),
  sides: (env.BENCH_SIDES ?? 'raw,lib,golevelup,nestrmq,wire,libce').split(','),
  cpuProfDir: env.BENCH_CPU_PROF,
};
const root = (p) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const log = (msg) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const rate = (n, fromUs, toUs) => n / ((toUs - fromUs) / 1e6);

function check(phase, r) {
  if (r.errors > 0) throw new Error(`${phase}: ${r.errors} publishes failed (first: ${r.firstError})`);
}

/** One side (raw or lib) for one round: fresh processes, fresh exchange and queue, cleaned up after. */
async function runSide(side) {
  const id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const exchange = `bench-${side}-${id}`;
  const service = `bench-${side}-${id}`;
  const queue = isLib(side) ? libQueueName(service) : `${service}.queue`;
  const base = { mode: side, exchange, service, queue, window: cfg.window, prefetch: cfg.prefetch };
  const children = [];
  const start = (script) => {
    const c = new Child(script, base, { cpuProfDir: cfg.cpuProfDir });
    children.push(c);
    return c;
  };
  const watch = await sentinel();
  try {
    const pub = start('publisher.mjs');
    await pub.ready;
    await declareQueue(side, exchange, queue);
    // (1) publish only: warm-up, then the measured batch; every confirmed event must be in the queue
    if (cfg.warmup > 0) check('warm-up', await pub.request('publish', { n: cfg.warmup }));
    await purgeQueue(queue);
    const p1 = await pub.request('publish', { n: cfg.events });
    check('publish', p1);
    const depth = await queueDepth(queue);
    if (depth !== cfg.events) throw new Error(`publish: ${depth} events in the queue, expected ${cfg.events}`);
    const ceHeaders = await peekCloudEventsHeaders(queue);
    await purgeQueue(queue);
    // (2) end to end at full speed, with a consumer warm-up first
    const con = start('consumer.mjs');
    const { rssMiB: conStartRssMiB, setupMs } = await con.ready;
    const timeoutMs = 60_000;
    if (cfg.warmup > 0) {
      await con.request('arm', { n: cfg.warmup });
      await Promise.all([pub.request('publish', { n: cfg.warmup }), con.request('wait', { timeoutMs })]);
    }
    await con.request('arm', { n: cfg.events });
    const [p2, c2] = await Promise.all([pub.request('publish', { n: cfg.events }), con.request('wait', { timeoutMs })]);
    check('end-to-end', p2);
    // (3) latency at a paced rate
    await con.request('arm', { n: cfg.latencyEvents });
    const [p3, c3] = await Promise.all([
      pub.request('paced', { n: cfg.latencyEvents, rate: cfg.rate }),
      con.request('wait', { timeoutMs }),
    ]);
    check('latency', p3);
    const conExit = await con.stop();
    await pub.stop();
    watch.check();
    return {
      publishRate: rate(p1.n, p1.startUs, p1.endUs),
      pubCpuUs: p1.cpuUs / p1.n,
      e2eRate: rate(c2.n, p2.startUs, c2.lastUs),
      conCpuUs: c2.cpuUs / c2.n,
      p50Ms: c3.p50Ms,
      p99Ms: c3.p99Ms,
      maxMs: c3.maxMs,
      conRssMiB: conExit.maxRssMiB,
      conStartRssMiB,
      setupMs,
      ceHeaders,
      pacedRate: rate(p3.n, p3.startUs, p3.endUs),
    };
  } catch (e) {
    watch.check(); // a lost broker connection explains the failure better than its symptom
    throw e;
  } finally {
    await watch.close();
    await Promise.all(children.map((c) => c.kill()));
    await cleanup(side, exchange, queue).catch((e) => log(`cleanup of ${exchange} failed: ${e.message}`));
  }
}

async function runSideWithRetry(side, round) {
  for (let attempt = 1; ; attempt++) {
    try {
      return { result: await runSide(side), retried: attempt - 1 };
    } catch (e) {
      if (attempt >= 5) throw e;
      log(`round ${round} ${side} failed (${e.message.split('\n')[0]}); running it again`);
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
}

/** Peak RSS of an empty Nest application context (median of 3 processes): the floor for any Nest consumer. */
function nestFloor() {
  const runs = [1, 2, 3].map(() => JSON.parse(execFileSync(process.execPath, [root('bench/nest-floor.mjs')], { encoding: 'utf8' })).maxRssMiB);
  return median(runs);
}

/** RSS after importing Nest and a client library (median of 3 processes each): Nest 12 + this library, Nest 11 + golevelup. */
function importRss(withPeers) {
  const probe = (script) => {
    const runs = [1, 2, 3].map(() => JSON.parse(execFileSync(process.execPath, [root(script)], { encoding: 'utf8' })));
    return { nest: median(runs.map((r) => r.nest)), client: median(runs.map((r) => r.client)) };
  };
  return { lib: probe('bench/import-rss.mjs'), golevelup: withPeers ? probe('bench/peers/import-rss.mjs') : undefined };
}

function describe(side, r) {
  return (
    `${side.padEnd(9)}  publish ${Math.round(r.publishRate)}/s  e2e ${Math.round(r.e2eRate)}/s  ` +
    `p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  cpu pub ${r.pubCpuUs.toFixed(1)} µs  ` +
    `cpu con ${r.conCpuUs.toFixed(1)} µs  setup ${r.setupMs.toFixed(0)} ms  rss ${r.conStartRssMiB.toFixed(1)}/${r.conRssMiB.toFixed(1)} MiB`
  );
}

/** Writes the run to bench/.results/<start>.json; after every side-round too, so a run cut short keeps its rounds. */
function save(run) {
  mkdirSync(root('bench/.results'), { recursive: true });
  writeFileSync(root(`bench/.results/${run.startedAt.toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(run, null, 2));
}

async function main() {
  const startedAt = new Date();
  const t0 = Date.now();
  const amqplibVersion = JSON.parse(readFileSync(root('node_modules/amqplib/package.json'), 'utf8')).version;
  const machine = {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model?.trim() ?? 'unknown',
    memGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    rabbitmq: await brokerVersion().catch((e) => {
      throw new Error(
        `RabbitMQ does not answer at ${AMQP_URL.replace(/:[^:@/]*@/, ':***@')} (${e.message}). ` +
          'Start it (`docker compose up -d`, or `rabbitmq-server -detached` / `rabbitmqctl start_app`), or set AMQP_URL.',
      );
    }),
    amqplib: amqplibVersion,
    peers: cfg.sides.some((s) => PEER_SIDES.includes(s)) ? (ensurePeers(log), peerVersions()) : undefined,
    os: `${os.type()} ${os.release()}`,
    loadBefore: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    nestFloorMiB: nestFloor(),
  };
  machine.importRss = importRss(machine.peers !== undefined);
  log(
    `${cfg.rounds} rounds × [${cfg.sides.join(', ')}], ${cfg.events} events per throughput phase, ` +
      `${cfg.latencyEvents} at ${cfg.rate}/s for latency, ${cfg.payloadBytes}-byte payloads; ` +
      `${machine.nproc} cores, Node ${machine.node}, RabbitMQ ${machine.rabbitmq}`,
  );
  if (cfg.cpuProfDir) mkdirSync(cfg.cpuProfDir, { recursive: true });
  const rounds = Object.fromEntries(cfg.sides.map((s) => [s, []]));
  let retries = 0;
  for (let round = 1; round <= cfg.rounds; round++) {
    const order = round % 2 === 1 ? cfg.sides : [...cfg.sides].reverse();
    for (const side of order) {
      const { result, retried } = await runSideWithRetry(side, round);
      retries += retried;
      rounds[side].push(result);
      save({ cfg, machine, rounds, startedAt, durationS: Math.round((Date.now() - t0) / 1000), retries, partial: true });
      log(`round ${round}/${cfg.rounds} ${describe(side, result)}`);
    }
  }
  machine.loadAfter = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const durationS = Math.round((Date.now() - t0) / 1000);
  save({ cfg, machine, rounds, startedAt, durationS, retries });
  if (!rounds.raw?.length || !rounds.lib?.length) {
    log('raw amqplib or the library did not run: no comparison written');
    return;
  }
  const med = medians(rounds);
  const goals = targets(med, rounds);
  console.log(`\n${contendersTable(med)}\n\n${targetsTable(goals)}\n`);
  const stamp = `${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  writeMarkdown(root('docs/benchmarks.md'), { med, goals, rounds, machine, cfg, startedAt: stamp, durationS, retries });
  const missed = goals.filter((g) => g.pass === false);
  log(`wrote docs/benchmarks.md in ${durationS} s; ${missed.length === 0 ? 'all targets met' : `${missed.length} target(s) missed`}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
