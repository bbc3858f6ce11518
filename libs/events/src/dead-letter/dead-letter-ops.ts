import type { ChannelModel, GetMessage } from 'amqplib';
import { HEADERS } from '../constants.js';
import { republishableHeaders } from '../envelope/header-sanitizer.js';
import { safeJsonParse } from '../envelope/safe-json.js';
import { names } from '../topology/topology-names.js';
import type { DeadLetter } from './dead-letter.js';

const ERROR_HEADERS = [
  HEADERS.deadLetterReason,
  HEADERS.errorName,
  HEADERS.errorMessage,
  HEADERS.errorStack,
  HEADERS.attempts,
  HEADERS.handler,
  HEADERS.failedAt,
  HEADERS.host,
  HEADERS.firstFailureAt,
  HEADERS.attempt,
];

/** Normalises `billing.X.y` or `billing.X.y.dlq` to the handler queue name. */
export function handlerQueueOf(queue: string): string {
  return queue.endsWith('.dlq') ? queue.slice(0, -4) : queue;
}

function s(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

export function toDeadLetter(queue: string, m: GetMessage): DeadLetter {
  const h = m.properties.headers ?? {};
  let data: unknown;
  const text = m.content.toString('utf8');
  try {
    data = safeJsonParse(text);
  } catch {
    data = text;
  }
  const plain: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(h)) {
    if (k === 'x-death') continue;
    plain[k] = v === null || ['string', 'number', 'boolean'].includes(typeof v) ? (v as string) : JSON.stringify(v);
  }
  return {
    id: s(m.properties.messageId),
    type: s(m.properties.type),
    queue,
    reason: s(h[HEADERS.deadLetterReason]) ?? (Array.isArray(h['x-death']) ? s((h['x-death'][0] as { reason?: string })?.reason) : undefined),
    errorName: s(h[HEADERS.errorName]),
    errorMessage: s(h[HEADERS.errorMessage]),
    errorStack: s(h[HEADERS.errorStack]),
    attempts: typeof h[HEADERS.attempts] === 'number' ? (h[HEADERS.attempts] as number) : undefined,
    handler: s(h[HEADERS.handler]),
    originalExchange: s(h[HEADERS.originalExchange]),
    originalRoutingKey: s(h[HEADERS.originalRoutingKey]),
    firstFailureAt: s(h[HEADERS.firstFailureAt]),
    failedAt: s(h[HEADERS.failedAt]),
    host: s(h[HEADERS.host]),
    correlationId: s(m.properties.correlationId),
    data,
    rawBase64: m.content.toString('base64'),
    headers: plain,
  };
}

/**
 * Dead-letter queue operations over a plain AMQP connection; used by DeadLetterService and the CLI.
 * Reading is non-destructive: messages are fetched unacked and go back in place when the channel closes.
 */
export class DeadLetterOps {
  constructor(
    private readonly connection: ChannelModel,
    private readonly exchange: string,
  ) {}

  async count(queue: string): Promise<number> {
    const ch = await this.connection.createChannel();
    ch.on('error', () => undefined);
    try {
      return (await ch.checkQueue(names.deadLetterQueue(handlerQueueOf(queue)))).messageCount;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  async list(queue: string, limit = 100): Promise<DeadLetter[]> {
    const q = handlerQueueOf(queue);
    const ch = await this.connection.createChannel();
    ch.on('error', () => undefined);
    const out: DeadLetter[] = [];
    try {
      while (out.length < limit) {
        const m = await ch.get(names.deadLetterQueue(q), { noAck: false });
        if (!m) break;
        out.push(toDeadLetter(q, m));
      }
      return out;
    } finally {
      await ch.close().catch(() => undefined); // unacked messages return to the queue in place
    }
  }

  /**
   * Sends dead letters back to their handler queue only (through `{exchange}.retry`), attempts reset;
   * each is removed from the DLQ only after its republish was confirmed. Returns the ids replayed.
   */
  async replay(queue: string, ids?: string[]): Promise<string[]> {
    const q = handlerQueueOf(queue);
    const wanted = ids ? new Set(ids) : undefined;
    const ch = await this.connection.createConfirmChannel();
    ch.on('error', () => undefined);
    const replayed: string[] = [];
    try {
      const { messageCount } = await ch.checkQueue(names.deadLetterQueue(q));
      for (let i = 0; i < messageCount; i++) {
        const m = await ch.get(names.deadLetterQueue(q), { noAck: false });
        if (!m) break;
        const id = s(m.properties.messageId);
        if (wanted && (!id || !wanted.has(id))) continue; // left unacked: back in place on close
        const headers = republishableHeaders(m.properties.headers);
        for (const k of ERROR_HEADERS) delete headers[k];
        headers[HEADERS.attempt] = 1;
        headers[HEADERS.replayedAt] = new Date().toISOString();
        const p = m.properties;
        await new Promise<void>((resolve, reject) => {
          ch.publish(
            names.retryExchange(this.exchange),
            q,
            m.content,
            {
              messageId: p.messageId,
              type: p.type,
              appId: p.appId,
              timestamp: p.timestamp,
              correlationId: p.correlationId,
              priority: p.priority,
              contentType: p.contentType,
              contentEncoding: p.contentEncoding,
              persistent: true,
              mandatory: true,
              headers,
            },
            (err) => (err ? reject(err) : resolve()),
          );
        });
        ch.ack(m);
        if (id) replayed.push(id);
      }
      return replayed;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  async purge(queue: string): Promise<number> {
    const ch = await this.connection.createChannel();
    ch.on('error', () => undefined);
    try {
      return (await ch.purgeQueue(names.deadLetterQueue(handlerQueueOf(queue)))).messageCount;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }
}
