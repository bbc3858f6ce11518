import amqplib from 'amqplib';

/** The library's binary delay levels: `{exchange}.delay.00` … `{exchange}.delay.31` (see docs/core.md). */
const DELAY_LEVELS = 32;

/**
 * Demo housekeeping, not something a service does: each run declares a fresh exchange, so afterwards
 * it deletes what the library declared for it (handler queues and their DLQs, the saga queue, the
 * unrouted queue, the delay levels, the service's topology record `{exchange}.services.{service}`, the
 * exchanges). Deleting an object that does not exist is a no-op in RabbitMQ.
 */
export async function deleteDemoTopology(
  uri: string,
  exchange: string,
  service: string,
  handlerQueues: string[],
): Promise<void> {
  const connection = await amqplib.connect(uri);
  try {
    const ch = await connection.createChannel();
    const levels = Array.from(
      { length: DELAY_LEVELS },
      (_, k) => `${exchange}.delay.${String(k).padStart(2, '0')}`,
    );
    const queues = [
      ...handlerQueues.flatMap((q) => [q, `${q}.dlq`]),
      `${exchange}.unrouted`,
      `${exchange}.services.${service}`,
      ...levels,
    ];
    const exchanges = [
      exchange,
      `${exchange}.unrouted`,
      `${exchange}.dlx`,
      `${exchange}.retry`,
      `${exchange}.delay.out`,
      ...levels,
    ];
    for (const q of queues) await ch.deleteQueue(q);
    for (const e of exchanges) await ch.deleteExchange(e);
    await ch.close();
  } finally {
    await connection.close();
  }
}
