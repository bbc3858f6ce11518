import { randomUUID } from 'node:crypto';
import { HEADERS } from '../constants.js';
import type { DeliveryProcessor, InboundMessage } from '../transport/events-transport.js';
import { safeJsonParse } from '../envelope/safe-json.js';

/**
 * A message in the format of Nest's own RMQ transport (`{ pattern, data, id? }` body, no `type`
 * property) as an envelope this library decodes: type = pattern, body = data; a request (`id` and
 * `replyTo`) gets the reply headers so its outcome goes back in Nest's format. Anything else is
 * returned unchanged (and undecodable messages still end in the DLQ).
 */
export function fromNestRmqFormat(msg: InboundMessage): InboundMessage {
  const p = msg.properties;
  const headers = (p.headers ?? {}) as Record<string, unknown>;
  if (p.type || headers[HEADERS.ceType]) return msg;
  let body: unknown;
  try {
    body = safeJsonParse(msg.content.toString('utf8'));
  } catch {
    return msg;
  }
  if (body === null || typeof body !== 'object' || !('pattern' in body)) return msg;
  const { pattern, data, id } = body as { pattern: unknown; data?: unknown; id?: unknown };
  const type = typeof pattern === 'string' ? pattern : JSON.stringify(pattern);
  const requestId = typeof id === 'string' && id.length > 0 ? id : undefined;
  const replyHeaders: Record<string, unknown> =
    requestId && typeof p.replyTo === 'string' && p.replyTo.length > 0
      ? {
          [HEADERS.replyTo]: p.replyTo,
          [HEADERS.replyCorrelationId]: typeof p.correlationId === 'string' ? p.correlationId : requestId,
          [HEADERS.replyWithResult]: true,
          [HEADERS.replyFormat]: 'nest',
        }
      : {};
  return {
    ...msg,
    content: Buffer.from(JSON.stringify(data ?? null), 'utf8'),
    properties: {
      ...p,
      type,
      messageId: typeof p.messageId === 'string' && p.messageId ? p.messageId : (requestId ?? randomUUID()),
      contentType: 'application/json',
      headers: { ...headers, ...replyHeaders },
    },
  };
}

/** Runs `inner` on Nest-RMQ-format messages converted by fromNestRmqFormat. */
export function acceptNestRmqFormat(inner: DeliveryProcessor): DeliveryProcessor {
  return {
    process: (msg) => inner.process(fromNestRmqFormat(msg)),
    ackLost: (msg) => inner.ackLost?.(fromNestRmqFormat(msg)),
  };
}
