// Publisher child process. argv[2] = JSON { mode: 'raw' | 'wire' | 'lib', exchange, service, window }.
// Commands: publish { n } (full speed, window of unconfirmed), paced { n, rate }, exit.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { AMQP_URL, EVENT_TYPE, childArgs, makeEvent, runPaced, runWindowed, serveCommands, signalFatal, signalReady } from './common.mjs';

const args = childArgs();

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

/** The library's wire format (DESIGN §3: properties plus CloudEvents headers), built by hand. */
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
      'x-attempt': 1,
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
  const { EventsModule, EventPublisher } = await import('nestjs-amqp-events');
  class BenchPublisherModule {}
  Module({
    imports: [EventsModule.forRoot({ uri: AMQP_URL, service: args.service, exchange: args.exchange, prefetch: 100 })],
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

try {
  const driver = args.mode === 'lib' ? await libDriver() : await rawDriver();
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
