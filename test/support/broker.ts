import amqplib, { type ChannelModel } from 'amqplib';
import { randomBytes } from 'node:crypto';
import { DELAY_LEVELS } from '../../libs/events/src/constants.js';
import { names } from '../../libs/events/src/topology/topology-names.js';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A name no other test run uses. */
export function uniqueName(prefix = 't'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A plain amqplib connection to the shared broker, or to `uri` (a private node). */
export async function connectRaw(uri = AMQP_URL): Promise<ChannelModel> {
  return amqplib.connect(uri);
}

/** Deletes everything the library declared for `exchange` and the given handler queues. */
export async function deleteTopology(exchange: string, handlerQueues: string[] = []): Promise<void> {
  const conn = await connectRaw();
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    const queues = [
      ...handlerQueues.flatMap((q) => [q, names.deadLetterQueue(q)]),
      names.unrouted(exchange),
      names.unroutedQueue(exchange, 'quorum'),
      // the record of each service's queues (for the CLI): services are the first segment of their queue names
      ...[...new Set(handlerQueues.map((q) => q.split('.')[0]))].map(
        (service) => `${exchange}.services.${service}`,
      ),
      ...Array.from({ length: DELAY_LEVELS }, (_, k) => names.delayLevel(exchange, k)),
      ...Array.from({ length: DELAY_LEVELS }, (_, k) => names.delayLevel(exchange, k, 'quorum')),
    ];
    const exchanges = [
      exchange,
      names.unrouted(exchange),
      names.deadLetterExchange(exchange),
      names.retryExchange(exchange),
      names.delayOut(exchange),
      ...Array.from({ length: DELAY_LEVELS }, (_, k) => names.delayLevel(exchange, k)),
      ...Array.from({ length: DELAY_LEVELS }, (_, k) => names.delayLevel(exchange, k, 'quorum')),
    ];
    for (const q of queues) await ch.deleteQueue(q);
    for (const e of exchanges) await ch.deleteExchange(e);
    await ch.close();
  } finally {
    await conn.close();
  }
}

/** Number of messages ready in a queue. */
export async function queueDepth(queue: string, uri = AMQP_URL): Promise<number> {
  const conn = await connectRaw(uri);
  try {
    const ch = await conn.createChannel();
    const { messageCount } = await ch.checkQueue(queue);
    await ch.close();
    return messageCount;
  } finally {
    await conn.close();
  }
}
