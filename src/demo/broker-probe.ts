import amqplib from 'amqplib';

/**
 * True when a RabbitMQ broker answers at `uri` within `timeoutMs` (an AMQP handshake, then closed).
 * The demo uses it to fall back to the memory transport when nothing is listening.
 */
export async function brokerAnswers(uri: string, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const attempt = amqplib.connect(uri, { timeout: timeoutMs }).then(
    async (c) => {
      await c.close().catch(() => undefined);
      return true;
    },
    () => false,
  );
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs + 500);
  });
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
