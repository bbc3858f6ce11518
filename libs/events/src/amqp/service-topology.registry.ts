import type { Channel, ChannelModel } from 'amqplib';

/**
 * What a service records about its broker objects, so operator tools can find them over AMQP alone
 * (AMQP has no "list queues"; the management plugin may be off). Kept as the one message of a durable
 * queue `{exchange}.services.{service}` (max length 1: the newest record wins), read without consuming.
 */
export interface ServiceTopologyRecord {
  service: string;
  exchange: string;
  /** Handler queues; each has a `{queue}.dlq`. */
  queues: string[];
  recordedAt: string;
}

/** Queue holding the record of `service` on bus `exchange`. */
export function serviceRecordQueue(exchange: string, service: string): string {
  return `${exchange}.services.${service}`;
}

const RECORD_QUEUE_ARGUMENTS = { 'x-max-length': 1, 'x-overflow': 'drop-head' };
const RECORD_TYPE = 'nestjs-amqp-events.service-topology';

/**
 * Records the service's handler queues. For the runtime to call after it declared them (an idempotent
 * setup step, re-run on reconnect); on a channel of the publish connection.
 */
export async function recordServiceTopology(
  channel: Channel,
  record: Omit<ServiceTopologyRecord, 'recordedAt'>,
): Promise<void> {
  const queue = serviceRecordQueue(record.exchange, record.service);
  await channel.assertQueue(queue, { durable: true, arguments: RECORD_QUEUE_ARGUMENTS });
  const body: ServiceTopologyRecord = {
    ...record,
    queues: [...record.queues].sort(),
    recordedAt: new Date().toISOString(),
  };
  channel.sendToQueue(queue, Buffer.from(JSON.stringify(body)), {
    persistent: true,
    contentType: 'application/json',
    type: RECORD_TYPE,
  });
}

/** The record of `service`, or undefined when the service never recorded one. Does not consume it. */
export async function readServiceTopology(
  connection: ChannelModel,
  exchange: string,
  service: string,
): Promise<ServiceTopologyRecord | undefined> {
  const ch = await connection.createChannel();
  ch.on('error', () => undefined); // a missing queue closes the channel; answered below
  try {
    const queue = serviceRecordQueue(exchange, service);
    try {
      await ch.checkQueue(queue);
    } catch {
      return undefined;
    }
    const m = await ch.get(queue, { noAck: false });
    if (!m) return undefined;
    const parsed = JSON.parse(m.content.toString('utf8')) as ServiceTopologyRecord;
    return Array.isArray(parsed.queues) ? parsed : undefined;
  } finally {
    await ch.close().catch(() => undefined); // the record goes back, unconsumed
  }
}
