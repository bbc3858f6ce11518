import type { GetMessage, Options } from 'amqplib';
import { connectRaw } from './broker.js';

/** Sends raw messages straight to a queue (default exchange) with plain amqplib, confirmed. */
export async function sendRaw(
  queue: string,
  messages: Array<{ content: Buffer; properties?: Options.Publish }>,
): Promise<void> {
  const conn = await connectRaw();
  try {
    const ch = await conn.createConfirmChannel();
    for (const m of messages) ch.sendToQueue(queue, m.content, m.properties ?? {});
    await ch.waitForConfirms();
    await ch.close();
  } finally {
    await conn.close();
  }
}

/** Removes and returns every message ready in a queue (in queue order). */
export async function takeAll(queue: string): Promise<GetMessage[]> {
  const conn = await connectRaw();
  try {
    const ch = await conn.createChannel();
    const out: GetMessage[] = [];
    for (;;) {
      const m = await ch.get(queue, { noAck: true });
      if (!m) break;
      out.push(m);
    }
    await ch.close();
    return out;
  } finally {
    await conn.close();
  }
}
