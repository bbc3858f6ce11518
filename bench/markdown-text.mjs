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

\`BENCH_CPU_PROF=/tmp/prof npm run bench\` writes a \`.cpuprofile\` per child process (\`BENCH_SIDES=raw,lib,golevelup BENCH_ROUNDS=1\` for a quick look); \`node bench/profile-summary.mjs <file>\` prints self and inclusive time by package and function. \`BENCH_NODE_ARGS="--trace-gc-nvp"\` passes V8 flags to the children (how the memory findings below were made).

- **Where a publish goes** (2026-11-28): on every side most of the publisher's CPU is the socket write of each message (\`writeBuffer\`, one \`write\` per message in amqplib's muxer: a quarter to a third of the non-idle time), then \`JSON.stringify\`/\`Buffer.from\` of the payload and amqplib's frame encoding, which every side pays alike. Of the library's own code what is left per event is validation (the type check is cached for the last type), \`randomUUID()\`, the envelope, one properties object, one pending record with one confirm closure (in an intrusive list: no hashing) and one promise chain from the broker's confirm to the receipt.
- **Three costs found and removed this time.** (1) An empty header table: amqplib's \`Args.publish()\` wraps the headers in \`Object.create(headers)\`, and encoding a table whose keys sit on a prototype walks the chain: about 3 µs per message for an **empty** \`{}\`. The compact message now has no \`headers\` property at all unless something needs one. (2) A \`{ ...options, mandatory: true }\` spread per publish (now one object literal of a fixed shape). (3) Two extra promise steps per publish, one of which kept the whole envelope (and the event's data) alive until the confirm.
- **The prebuilt-frame publish path** (\`amqp/confirm-send.ts\`, two internal amqplib methods behind a feature check, byte identity checked by its spec) is now used only for messages that carry headers (retry copies, trace context, \`cloudEvents: 'headers'\`): a message without headers goes through amqplib's public \`ConfirmChannel.publish()\`, which then costs the same. \`node bench/fast-path.mjs\` measures what the frame saves: on 2026-11-28 (medians of 5 × 30,000, one process publishing both ways in turn) **37.1 → 21.4 µs of publisher CPU per event with the CloudEvents headers** (10,100 → 10,600 events/s). For a message without headers the same script shows 25.2 → 17.4 µs, but that figure comes from one process mixing two object shapes in amqplib's encoder; in a process that only publishes compact messages (the library's own publisher, 3 alternating runs of 30,000 into a durable queue) the public path cost 21.9–23.0 µs per event and the frame 23.6–28.8 µs, so the library uses the public API there.
- **Consumer.** amqplib's frame parsing and the socket writes are the same on every side. Acks are coalesced (\`amqp/channel-acks.ts\`): the acks decided in one turn of the event loop go out as one \`basic.ack\` with \`multiple\` below the oldest delivery still running, and one by one above it, so at a steady rate most ack frames (a socket write each, and a frame for the broker) are gone. Per delivery the library still decodes (one object literal), creates the handler's context, keeps three \`async\` steps (consumer, processor, handler run) and takes two \`performance.now()\` readings; with no OpenTelemetry SDK there is no span attribute object and no context copy.
- **Memory.** The consumer's young generation used to double (16 → 32 MiB) within seconds of load: the delivery memory kept each delivery's id string for 4,096 deliveries, so every id outlived two scavenges and was promoted (\`--trace-gc-nvp\`: ~60 KB promoted per scavenge against golevelup's ~2 KB), and V8 grows the young generation once enough has survived. UUID ids are now kept as four numbers in a typed array (exact; other ids stay strings), and the peak RSS of the consumer fell by about 15 MiB. What remains above golevelup is the floor: a Nest 12 process starts higher than a Nest 11 one.
- **Wire format**: the CloudEvents header set costs CPU in the client and broker time for every message; see the "CE headers + priority" rows.`;
}
