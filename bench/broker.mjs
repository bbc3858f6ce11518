// Broker-side setup and cleanup done by the orchestrator (not measured). The library side uses the
// library's own topology builders (compiled), so its queue is declared exactly as EventsModule does.
import amqplib from 'amqplib';
import { AMQP_URL, EVENT_TYPE, isLib, queueArguments } from './common.mjs';
import { DELAY_LEVELS } from '../libs/events/dist/constants.js';
import { applyTopology } from '../libs/events/dist/amqp/topology.applier.js';
import { handlerTopology, sharedTopology, mergeTopologies } from '../libs/events/dist/topology/topology.js';
import { names } from '../libs/events/dist/topology/topology-names.js';

/** The queue name EventsModule gives the bench handler (`BenchHandler.onEvent`). */
export const libQueueName = (service) => names.handlerQueue(service, 'BenchHandler', 'onEvent');

async function withChannel(fn) {
  const conn = await amqplib.connect(AMQP_URL);
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    return await fn(ch, conn);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

export async function brokerVersion() {
  const conn = await amqplib.connect(AMQP_URL);
  try {
    const v = conn.connection.serverProperties?.version;
    return Buffer.isBuffer(v) ? v.toString() : String(v ?? 'unknown');
  } finally {
    await conn.close();
  }
}

/** Declares the handler queue (bound, no consumer yet) so the publish-only phase has somewhere to go. */
export async function declareQueue(side, exchange, queue) {
  if (isLib(side)) {
    const conn = await amqplib.connect(AMQP_URL);
    try {
      const handler = handlerTopology(exchange, {
        queue,
        patterns: [EVENT_TYPE],
        queueType: 'classic',
        ordered: false,
        deliveryLimit: 4,
        maxPriority: side === 'libce' ? 10 : undefined,
      });
      await applyTopology(conn, mergeTopologies(sharedTopology(exchange), handler));
    } finally {
      await conn.close();
    }
    return;
  }
  await withChannel(async (ch) => {
    await ch.assertExchange(exchange, 'topic', { durable: true });
    await ch.assertQueue(queue, { durable: true, arguments: queueArguments(side) });
    // Nest's RMQ transport binds the handler's wildcard pattern; the others the event type
    await ch.bindQueue(queue, exchange, side === 'nestrmq' ? 'Bench.*' : EVENT_TYPE);
  });
}

/** Whether the first message waiting in `queue` carries the cloudEvents:* headers (the format actually sent). */
export async function peekCloudEventsHeaders(queue) {
  return withChannel(async (ch) => {
    const msg = await ch.get(queue, { noAck: false });
    if (!msg) return undefined;
    ch.nack(msg, false, true);
    return Object.keys(msg.properties.headers ?? {}).some((h) => h.startsWith('cloudEvents:'));
  });
}

/**
 * A connection held open for the length of a round: if it closes, the broker was restarted or its
 * connections were closed (other users of a shared broker do that), and the round does not count.
 */
export async function sentinel() {
  const conn = await amqplib.connect(AMQP_URL);
  const state = { lost: undefined };
  conn.on('error', (e) => (state.lost ??= e.message));
  conn.on('close', () => (state.lost ??= 'connection closed'));
  return {
    check() {
      if (state.lost) throw new Error(`the broker connection was lost during the round (${state.lost}); the round does not count`);
    },
    close: () => (state.lost ? Promise.resolve() : ((state.lost = 'closed by the bench'), conn.close().catch(() => undefined))),
  };
}

export async function purgeQueue(queue) {
  return withChannel(async (ch) => (await ch.purgeQueue(queue)).messageCount);
}

export async function queueDepth(queue) {
  return withChannel(async (ch) => (await ch.checkQueue(queue)).messageCount);
}

/** Deletes every exchange and queue the round created (for the library: its whole shared topology). */
export async function cleanup(side, exchange, queue) {
  const queues = [queue];
  const exchanges = [exchange];
  if (isLib(side)) {
    queues.push(names.deadLetterQueue(queue), names.unrouted(exchange));
    exchanges.push(names.unrouted(exchange), names.deadLetterExchange(exchange), names.retryExchange(exchange), names.delayOut(exchange));
    for (let k = 0; k < DELAY_LEVELS; k++) {
      queues.push(names.delayLevel(exchange, k));
      exchanges.push(names.delayLevel(exchange, k));
    }
  }
  await withChannel(async (ch) => {
    for (const q of queues) await ch.deleteQueue(q);
    for (const e of exchanges) await ch.deleteExchange(e);
  });
}
