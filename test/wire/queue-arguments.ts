import { connectRaw } from '../support/broker.js';

/**
 * What the broker says when `queue` is re-declared with `args`: undefined when it accepts them (the
 * queue has exactly these arguments), else its PRECONDITION_FAILED message naming the difference.
 */
export async function redeclareProblem(
  queue: string,
  args: Record<string, unknown>,
): Promise<string | undefined> {
  const conn = await connectRaw();
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    try {
      await ch.assertQueue(queue, { durable: true, arguments: args });
      await ch.close();
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  } finally {
    await conn.close().catch(() => undefined);
  }
}
