// The prose of docs/benchmarks.md: analysis of a run, method, profiling notes.
import { fmt } from './report.mjs';

const x = (a, b) => `${fmt(a / b, 2)}×`;

/** What the figures say: where the library stands against raw amqplib and the peers. */
export function analysis(med, machine, rounds = {}) {
  const { raw, lib, golevelup: gl, wire, libce } = med;
  const lines = ['## Reading the figures', ''];
  lines.push(
    `- **Publisher**: the library costs ${fmt(lib.pubCpuUs, 1)} µs of CPU per event, ${x(lib.pubCpuUs, raw.pubCpuUs)} raw amqplib's ${fmt(raw.pubCpuUs, 1)} µs${gl ? `; golevelup ${fmt(gl.pubCpuUs, 1)} µs` : ''}${med.nestrmq ? `, Nest's RMQ transport ${fmt(med.nestrmq.pubCpuUs, 1)} µs` : ''}.`,
  );
  lines.push(
    `- **Consumer**: ${fmt(lib.conCpuUs, 1)} µs per event, ${x(lib.conCpuUs, raw.conCpuUs)} raw's ${fmt(raw.conCpuUs, 1)} µs${gl ? `; golevelup ${fmt(gl.conCpuUs, 1)} µs` : ''}${med.nestrmq ? `, Nest's RMQ transport ${fmt(med.nestrmq.conCpuUs, 1)} µs` : ''}.`,
  );
  lines.push(
    `- **Startup**: the library's consumer is consuming ${fmt(lib.setupMs, 0)} ms after its setup starts (imports, Nest bootstrap, connections, topology, consume)${gl ? `; golevelup ${fmt(gl.setupMs, 0)} ms` : ''}; raw amqplib ${fmt(raw.setupMs, 0)} ms.`,
  );
  lines.push(
    `- **Memory**: after setup the library's consumer holds ${fmt(lib.conStartRssMiB, 1)} MiB and peaks at ${fmt(lib.conRssMiB, 1)} MiB${gl ? ` (golevelup ${fmt(gl.conStartRssMiB, 1)} / ${fmt(gl.conRssMiB, 1)} MiB)` : ''}; an empty Nest application context peaks at ${fmt(machine.nestFloorMiB, 1)} MiB, raw amqplib at ${fmt(raw.conRssMiB, 1)} MiB.`,
  );
  const ir = machine.importRss;
  if (ir?.lib) {
    lines.push(
      `- **Where the memory goes**: importing Nest 12 (\`@nestjs/core\`, \`@nestjs/common\`) brings a process to ${fmt(ir.lib.nest, 1)} MiB RSS and this library (with amqplib, amqp-connection-manager and \`@opentelemetry/api\`) adds ${fmt(ir.lib.client - ir.lib.nest, 1)} MiB${ir.golevelup ? `; Nest 11 comes to ${fmt(ir.golevelup.nest, 1)} MiB and golevelup adds ${fmt(ir.golevelup.client - ir.golevelup.nest, 1)} MiB` : ''} (\`bench/import-rss.mjs\`, medians of 3 processes). The gap to golevelup's consumer is mostly the Nest major version, not the client library.`,
    );
  }
  if (wire && libce) {
    const sent = (rounds.libce ?? []).every((r) => r.ceHeaders !== false);
    lines.push(
      `- **CloudEvents headers + priority queue**: raw amqplib sending the library's message with the five \`cloudEvents:*\` headers into an \`x-max-priority: 10\` queue publishes ${fmt(wire.publishRate, 0)} events/s (${x(wire.publishRate, raw.publishRate)} plain raw) at ${fmt(wire.pubCpuUs, 1)} µs per event; the library configured the same way ${fmt(libce.publishRate, 0)} events/s (${x(libce.publishRate, wire.publishRate)} of that) at ${fmt(libce.pubCpuUs, 1)} µs.${sent ? '' : " In this run the library's publisher did not write the `cloudEvents:*` headers yet (the module option is not wired to the codec), so that side sent the compact message into the priority queue and the pair is not a like-for-like comparison."}`,
    );
  }
  return lines.join('\n');
}

export function method(cfg) {
  return `## Method

- **Same job on every side.** A durable topic exchange and a durable queue bound to \`${cfg.eventType}\` (Nest's RMQ transport: its wildcard pattern \`Bench.*\`); persistent ${cfg.payloadBytes}-byte JSON events; confirmed publishing with at most ${cfg.window.toLocaleString('en-US')} unconfirmed; a consumer with manual acks (after the handler) and prefetch ${cfg.prefetch}. Publisher and consumer are separate child processes (\`bench/publisher.mjs\`, \`bench/consumer.mjs\`) started fresh for every round and side; the orchestrator only declares, purges and deletes broker objects between phases.
- **raw amqplib**: \`createConfirmChannel()\`, \`publish()\` with a confirm callback (no promise per message), pausing on \`'drain'\`; properties \`persistent, contentType, messageId (UUID v4), type, timestamp\`; a plain classic queue. Consumer: \`JSON.parse\` of the body, then \`ack\`.
- **this library**: a Nest 12 application context with \`EventsModule.forRoot({ service, exchange, prefetch: ${cfg.prefetch} })\`, \`EventPublisher.publish()\` per event; the consumer has one \`@OnEvent('${cfg.eventType}')\` handler. The library does its whole job: validation, the DESIGN §3 message (properties; headers only when needed), \`mandatory\` with an alternate exchange, a dead-letter exchange on the queue, safe JSON decoding, redelivery tracking, a (no-op) OpenTelemetry span and metrics per event.
- **@golevelup/nestjs-rabbitmq**: a Nest 11 application context with \`RabbitMQModule.forRoot\`, \`AmqpConnection.publish()\` (confirmed through amqp-connection-manager) with \`persistent\`, \`contentType\`, \`messageId\`; one \`@RabbitSubscribe\` handler (acked when it returns). **Nest's RMQ transport**: \`ClientsModule\` \`ClientRMQ.emit()\` (\`persistent\`, topic exchange, \`wildcards: true\`) and a microservice with \`@EventPattern('Bench.*')\` acking by hand (\`noAck: false\`). Both run from \`bench/peers/\`, with their own package.json and lock, installed by \`npm ci\` there on first use.
- **raw amqplib, CE headers + priority queue** and **this library with \`cloudEvents: 'headers'\`, \`maxPriority: 10\`**: the same two jobs with the five CloudEvents headers on every message and an \`x-max-priority: 10\` queue.
- **Phases per round and side** (after a ${cfg.warmup.toLocaleString('en-US')}-event warm-up of each process, purged, not measured): (1) publish ${cfg.events.toLocaleString('en-US')} events into the bound queue with no consumer: publish throughput = events / time until the last confirm; publisher CPU per event = \`process.cpuUsage()\` (user + system) over that phase / events. (2) With the consumer running, publish ${cfg.events.toLocaleString('en-US')} events at full speed: end-to-end throughput = events / (last receive − first publish); consumer CPU per event over the same phase. (3) Publish ${cfg.latencyEvents.toLocaleString('en-US')} events paced at ${cfg.rate.toLocaleString('en-US')} events/s: latency = receive time in the handler − time just before the publish call (system-wide monotonic clock, so both processes agree), p50 and p99 over the phase. Consumer setup = from the start of the consumer's setup (its client library's imports included) until it consumes. Consumer RSS after setup = \`process.memoryUsage().rss\` then; peak RSS = the process's \`maxRSS\` over its whole life.
- **Interleaving and medians.** Rounds alternate the order of the sides (forward, then reversed, …), so slow drift of the machine hits every side alike; tables show medians of the rounds, ratios are median / median(raw). Every round deletes its exchanges and queues (own names per round), and the run stops by itself.
- **Noise.** A 2-core machine shared with other work, with the broker on the same host: throughput mostly measures RabbitMQ, CPU per event is the sharper measure of a client's cost, and p99 is one scheduling hiccup away from moving by milliseconds. Read the per-round values before trusting a difference of a few percent. \`BENCH_ROUNDS=9 npm run bench\` gives tighter medians; \`BENCH_SIDES=raw,lib\` runs two sides only.`;
}

export function profiling() {
  return `## Profiling

\`BENCH_CPU_PROF=/tmp/prof npm run bench\` writes a \`.cpuprofile\` per child process (\`BENCH_SIDES=raw,lib,golevelup BENCH_ROUNDS=1\` for a quick look); \`node bench/profile-summary.mjs <file>\` prints self and inclusive time by package and function.

- **The prebuilt-frame publish path** (\`amqp/confirm-send.ts\`, two internal amqplib methods behind a feature check, byte identity checked by its spec) still pays with the compact message: \`node bench/fast-path.mjs\` publishes the library's encoded messages through amqplib's \`ConfirmChannel.publish()\` and through the prebuilt frame, interleaved, and on this machine (2026-11-27, medians of 5 × 30,000) it measured **20.8 → 13.6 µs of publisher CPU per event** for the compact message (−35 %; throughput unchanged at ~18,000/s, where the broker is the limit), and **27.7 → 16.5 µs with the CloudEvents headers** (−40 %; 11,700 → 15,800 events/s). amqplib's \`Args.publish()\` copies every option into a new object and wraps the headers in \`Object.create()\`, which sends the table encoder down a prototype chain; the prebuilt frame skips both. So it stays, behind its feature check.
- **Consumer** (profile of the library's consumer, one round): amqplib's frame parsing and the socket writes of the acks are the same on every side; of the library's own time, the largest items were \`JSON.parse\` inside \`safeJsonParse\` (plus its prototype-key regex over every body) and, before it was fixed, \`new Date(timestamp * 1000).toISOString()\` for every delivery (now formatted once per second, \`envelope/envelope.codec.ts\`). What remains per delivery on the delivery path (\`consumer/handler-delivery.processor.ts\`, \`amqp/queue-consumer.ts\`): a promise, a closure and two map operations to track the delivery in \`DeliveryMemory\` even when it is not a redelivery; an OpenTelemetry span with a six-entry attribute object, \`context.with\` and \`trace.setSpan\` even with no SDK installed; a new attribute object for each metric update (\`{ service, handler }\`, \`{ service, handler, outcome }\`); two \`performance.now()\` calls; the reply-target header lookups of \`DeliveryOutcomeReporter.succeeded\`; and a \`then\`/\`finally\` chain (three promises) plus a \`Set\` add and delete in \`QueueConsumer.onMessage\`.
- **Publisher** (profile of the library's publisher): \`JSON.stringify\` and \`Buffer.from\` of the payload (the same on every side), then per event: validation, \`randomUUID()\`, the envelope, the prebuilt frame and the pending-publish record with its promise in \`ConfirmPublisher\` (no per-publish map entry any more: only returned message ids are recorded), and in \`EventPublisher.publish\` two more \`then\` steps (metrics, receipt) with a new \`{ service, type }\` attribute object per event for the published counter.
- **Wire format**: the compact message (DESIGN §3) has an empty header table on a first attempt without trace context; the CloudEvents header set costs ~3 µs per event with the prebuilt frame, ~7 µs through \`publish()\`, plus broker time for every message.`;
}
