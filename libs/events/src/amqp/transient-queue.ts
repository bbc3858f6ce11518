import type { ChannelModel } from 'amqplib';

/**
 * A queue of one application instance (replies), removed by the broker `expiresMs` after its last
 * consumer left. Classic: non-durable, on the node the instance is connected to. Quorum: a replicated
 * quorum queue (durable, as quorum queues always are), so replies survive the loss of a node.
 */
export async function declareTransient(
  connection: ChannelModel,
  queue: string,
  expiresMs: number,
  queueType: 'classic' | 'quorum',
): Promise<void> {
  const ch = await connection.createChannel();
  ch.on('error', () => undefined); // reported through the rejected declaration
  try {
    await ch.assertQueue(queue, {
      durable: queueType === 'quorum',
      exclusive: false,
      autoDelete: false,
      arguments:
        queueType === 'quorum'
          ? { 'x-queue-type': 'quorum', 'x-expires': expiresMs }
          : { 'x-expires': expiresMs },
    });
  } finally {
    await ch.close().catch(() => undefined);
  }
}
