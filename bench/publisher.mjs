// Publisher child process. argv[2] = JSON { mode, exchange, service, window }; modes: see SIDES in run.mjs.
// Commands: publish { n } (full speed, window of unconfirmed), paced { n, rate }, exit.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { AMQP_URL, EVENT_TYPE, childArgs, makeEvent, runPaced, runWindowed, serveCommands, signalFatal, signalReady } from './common.mjs';

const args = childArgs();
// The library built in this checkout (libs/events/dist), not whatever the shared node_modules link points to
const LIBRARY = new URL('../libs/events/dist/index.js', import.meta.url).href;

/** What a raw amqplib user sends: a few standard properties. */
function rawProperties() {
  return {
    persistent: true,
    contentType: 'application/json',
    messageId: randomUUID(),
    type: EVENT_TYPE,
    timestamp: Math.floor(Date.now() / 1000),
  };
}

/**
 * The library's message with `cloudEvents: 'headers'` (DESIGN §3), built by hand: the properties plus
 * the five CloudEvents headers (time with milliseconds), published `mandatory` like the library does.
 */
function wireProperties() {
  const id = randomUUID();
  const time = new Date().toISOString();
  return {
    messageId: id,
    type: EVENT_TYPE,
    appId: args.service,
    timestamp: Math.floor(Date.parse(time) / 1000),
    priority: 5,
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    persistent: true,
    mandatory: true,
    headers: {
      'cloudEvents:specversion': '1.0',
      'cloudEvents:id': id,
      'cloudEvents:source': args.service,
      'cloudEvents:type': EVENT_TYPE,
      'cloudEvents:time': time,
    },
  };
}

/**
 * Raw amqplib: one confirm channel, persistent JSON messages, callbacks (no promise per message).
 * mode 'wire': the same, but sending the library's message format (see wireProperties).
 */
async function rawDriver() {
  const properties = args.mode === 'wire' ? wireProperties : rawProperties;
  const conn = await amqplib.connect(AMQP_URL);
  const ch = await conn.createConfirmChannel();
  if (args.declare !== false) await ch.assertExchange(args.exchange, 'topic', { durable: true });
  let drainListener = () => undefined;
  ch.on('drain', () => drainListener());
  return {
    onDrain(fn) {
      drainListener = fn;
    },
    send(seq, sentAt, done) {
      const content = Buffer.from(JSON.stringify(makeEvent(seq, sentAt)));
      return ch.publish(args.exchange, EVENT_TYPE, content, properties(), (err) => done(err));
    },
    close: () => conn.close(),
  };
}

/** The library: a Nest application context with EventsModule; EventPublisher.publish() per event. */
async function libDriver() {
  const { Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { EventsModule, EventPublisher } = await import(LIBRARY);
  class BenchPublisherModule {}
  const variant = args.mode === 'libce' ? { cloudEvents: 'headers', maxPriority: 10 } : {};
  Module({
    imports: [EventsModule.forRoot({ uri: AMQP_URL, service: args.service, exchange: args.exchange, prefetch: 100, ...variant })],
  })(BenchPublisherModule);
  const app = await NestFactory.createApplicationContext(BenchPublisherModule, { logger: ['error', 'warn'] });
  const publisher = app.get(EventPublisher);
  const ok = () => undefined;
  return {
    onDrain() {
      // the library buffers internally while the socket drains
    },
    send(seq, sentAt, done) {
      publisher.publish(EVENT_TYPE, makeEvent(seq, sentAt)).then(() => done(), done);
      return true;
    },
    close: () => app.close().then(ok),
  };
}

/** A peer (bench/peers/): same job through @golevelup/nestjs-rabbitmq or Nest's RMQ transport. */
async function peerDriver() {
  const peer = await import(args.mode === 'golevelup' ? './peers/golevelup.mjs' : './peers/nest-rmq.mjs');
  const d = await peer.publisher({ ...args, url: AMQP_URL });
  return { ...d, send: (seq, sentAt, done) => d.send(EVENT_TYPE, makeEvent(seq, sentAt), done) };
}

const DRIVERS = { raw: rawDriver, wire: rawDriver, lib: libDriver, libce: libDriver, golevelup: peerDriver, nestrmq: peerDriver };

try {
  const driver = await DRIVERS[args.mode]();
  serveCommands({
    publish: ({ n }) => runWindowed(n, args.window, driver),
    paced: ({ n, rate }) => runPaced(n, rate, args.window, driver),
    exit: async () => {
      await driver.close();
      return { maxRssMiB: process.resourceUsage().maxRSS / 1024 };
    },
  });
  signalReady();
} catch (e) {
  signalFatal(e);
}
