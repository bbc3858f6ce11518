import { HEADERS } from '../constants.js';
import { safeJsonParse } from '../envelope/safe-json.js';
import type { HeaderValue } from '../interfaces/publish-options.interface.js';
import type { DeadLetter } from './dead-letter.js';

/** A message read from a DLQ (amqplib's GetMessage, or the memory transport's copy). */
export interface StoredMessage {
  content: Buffer;
  properties: {
    messageId?: unknown;
    type?: unknown;
    correlationId?: unknown;
    headers?: Record<string, unknown>;
  };
}

/** Normalises `billing.X.y` or `billing.X.y.dlq` to the handler queue name. */
export function handlerQueueOf(queue: string): string {
  return queue.endsWith('.dlq') ? queue.slice(0, -4) : queue;
}

function s(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

interface XDeath {
  reason?: unknown;
  exchange?: unknown;
  'routing-keys'?: unknown;
  time?: unknown;
}

/** The broker's own dead-lettering record (quorum delivery limit, a rejected message): the first entry. */
function firstDeath(h: Record<string, unknown>): XDeath | undefined {
  const d = h['x-death'];
  return Array.isArray(d) && d.length > 0 ? (d[0] as XDeath) : undefined;
}

function deathTime(d: XDeath | undefined): string | undefined {
  const t = d?.time as { value?: unknown } | number | undefined;
  const secs = typeof t === 'number' ? t : typeof t?.value === 'number' ? t.value : undefined;
  return secs === undefined ? undefined : new Date(secs * 1000).toISOString();
}

function plainHeaders(h: Record<string, unknown>): Record<string, HeaderValue> {
  const plain: Record<string, HeaderValue> = {};
  for (const [k, v] of Object.entries(h)) {
    if (k === 'x-death') continue;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') plain[k] = v;
    else plain[k] = Buffer.isBuffer(v) ? v.toString('utf8') : JSON.stringify(v);
  }
  return plain;
}

/** A fetched DLQ message as operators see it (library headers first, the broker's x-death as fallback). */
export function toDeadLetter(queue: string, m: StoredMessage): DeadLetter {
  const h = (m.properties.headers ?? {}) as Record<string, unknown>;
  const death = firstDeath(h);
  let data: unknown;
  const encryptedWith = s(h[HEADERS.encryptionKey]);
  if (encryptedWith !== undefined) {
    data = `[encrypted payload, key "${encryptedWith}"]`;
  } else {
    const text = m.content.toString('utf8');
    try {
      data = safeJsonParse(text);
    } catch {
      data = text;
    }
  }
  const keys = death?.['routing-keys'];
  return {
    id: s(m.properties.messageId),
    type: s(m.properties.type),
    queue,
    reason: s(h[HEADERS.deadLetterReason]) ?? s(death?.reason),
    errorName: s(h[HEADERS.errorName]),
    errorMessage: s(h[HEADERS.errorMessage]),
    errorStack: s(h[HEADERS.errorStack]),
    attempts: typeof h[HEADERS.attempts] === 'number' ? (h[HEADERS.attempts] as number) : undefined,
    handler: s(h[HEADERS.handler]),
    originalExchange: s(h[HEADERS.originalExchange]) ?? s(death?.exchange),
    originalRoutingKey: s(h[HEADERS.originalRoutingKey]) ?? (Array.isArray(keys) ? s(keys[0]) : undefined),
    firstFailureAt: s(h[HEADERS.firstFailureAt]),
    failedAt: s(h[HEADERS.failedAt]) ?? deathTime(death),
    host: s(h[HEADERS.host]),
    correlationId: s(m.properties.correlationId),
    data,
    ...(encryptedWith !== undefined ? { encryptedWith } : {}),
    rawBase64: m.content.toString('base64'),
    headers: plainHeaders(h),
  };
}
