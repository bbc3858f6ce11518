// Does the prebuilt-frame publish path (amqp/confirm-send.ts) still pay? Publishes the library's encoded
// messages (compact, and with the CloudEvents headers) through ConfirmChannel.publish() and through the
// prebuilt frame, interleaved, 5 measured rounds of 30,000 each; prints publisher CPU per event and rate.
//   npm run build:lib && node bench/fast-path.mjs
import amqplib from 'amqplib';
import { randomUUID } from 'node:crypto';
import { publishFrame, sendConfirmed } from '../libs/events/dist/amqp/confirm-send.js';
import { encodeEnvelope } from '../libs/events/dist/envelope/envelope.codec.js';
import { makeEvent, cpuUs, nowUs } from './common.mjs';
const url = 'amqp://guest:guest@127.0.0.1:5672';
const N = 30000, W = 1000;
const ex = `perf-fastpath-${Date.now()}`;
const conn = await amqplib.connect(url);
const ch = await conn.createConfirmChannel();
await ch.assertExchange(ex, 'topic', { durable: false, autoDelete: false });
const q = (await ch.assertQueue('', { exclusive: true })).queue;
await ch.bindQueue(q, ex, '#');
function run(mode, ceHeaders) {
  return new Promise((resolve) => {
    let sent = 0, done = 0, inflight = 0, paused = false;
    const c0 = cpuUs(), t0 = nowUs();
    const cb = () => { inflight--; done++; if (done === N) resolve({ cpu: (cpuUs() - c0) / N, rate: N / ((nowUs() - t0) / 1e6) }); else pump(); };
    const pump = () => {
      while (!paused && inflight < W && sent < N) {
        inflight++; const seq = sent++;
        const content = Buffer.from(JSON.stringify(makeEvent(seq, nowUs())));
        const w = encodeEnvelope({ id: randomUUID(), type: 'Bench.created', source: 'svc', time: new Date().toISOString(), priority: 5, attempt: 1, headers: {} }, content, { cloudEventsHeaders: ceHeaders });
        let ok;
        if (mode === 'fast') ok = sendConfirmed(ch, publishFrame(ex, 'Bench.created', w.properties), ex, 'Bench.created', content, w.properties, cb);
        else ok = ch.publish(ex, 'Bench.created', content, { ...w.properties, mandatory: true }, cb);
        if (!ok) paused = true;
      }
    };
    ch.on('drain', () => { paused = false; pump(); });
    pump();
  }).finally(() => ch.removeAllListeners('drain'));
}
const out = {};
for (let r = 0; r < 6; r++) {
  for (const ce of [false, true]) for (const mode of r % 2 ? ['fast', 'plain'] : ['plain', 'fast']) {
    const k = `${mode}${ce ? '+ce' : ''}`;
    const res = await run(mode, ce);
    await ch.purgeQueue(q);
    if (r > 0) (out[k] ??= []).push(res);
  }
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
for (const [k, v] of Object.entries(out)) console.log(k.padEnd(9), 'cpu µs/event', med(v.map((x) => x.cpu)).toFixed(1), ' rate', Math.round(med(v.map((x) => x.rate))), ' rounds cpu:', v.map((x) => x.cpu.toFixed(1)).join(','));
await ch.deleteExchange(ex);
await conn.close();
