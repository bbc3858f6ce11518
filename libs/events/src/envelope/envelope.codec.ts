import { HEADERS } from '../constants.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import type { EventEnvelope, WireMessage } from './envelope.js';
import { applicationHeaders } from './header-sanitizer.js';
import { safeJsonParse } from './safe-json.js';

/** Envelope → AMQP content and properties (DESIGN §3). The payload must already be serialized. */
export function encodeEnvelope(env: Omit<EventEnvelope, 'data'>, content: Buffer): WireMessage {
  const headers: Record<string, unknown> = {
    ...env.headers,
    [HEADERS.ceSpecVersion]: '1.0',
    [HEADERS.ceId]: env.id,
    [HEADERS.ceSource]: env.source,
    [HEADERS.ceType]: env.type,
    [HEADERS.ceTime]: env.time,
    [HEADERS.attempt]: env.attempt,
  };
  if (env.traceparent) headers[HEADERS.traceparent] = env.traceparent;
  if (env.tracestate) headers[HEADERS.tracestate] = env.tracestate;
  if (env.causationId) headers[HEADERS.causationId] = env.causationId;
  if (env.retry) headers[HEADERS.retryPolicy] = JSON.stringify(env.retry);
  return {
    content,
    properties: {
      messageId: env.id,
      type: env.type,
      appId: env.source,
      timestamp: Math.floor(Date.parse(env.time) / 1000),
      correlationId: env.correlationId,
      priority: env.priority,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      persistent: true,
      headers,
    },
  };
}

/** What decode needs of an incoming AMQP message (structurally compatible with amqplib's). */
export interface IncomingMessage {
  content: Buffer;
  properties: {
    messageId?: unknown;
    type?: unknown;
    appId?: unknown;
    timestamp?: unknown;
    correlationId?: unknown;
    priority?: unknown;
    contentType?: unknown;
    headers?: Record<string, unknown>;
  };
}

export type DecodeResult<T = unknown> =
  { ok: true; envelope: EventEnvelope<T> } | { ok: false; reason: string };

const JSON_CONTENT_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;.*)?$/i;

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v.length > 0) return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return undefined;
}

function parseRetry(v: unknown): Partial<RetryPolicy> | undefined {
  const s = str(v);
  if (!s) return undefined;
  try {
    const parsed = safeJsonParse(s);
    return parsed && typeof parsed === 'object' ? (parsed as Partial<RetryPolicy>) : undefined;
  } catch {
    return undefined;
  }
}

/** AMQP message → envelope, or the reason it cannot be decoded (the message is then dead-lettered). */
export function decodeMessage<T = unknown>(msg: IncomingMessage): DecodeResult<T> {
  const p = msg.properties;
  const h = p.headers ?? {};
  const contentType = str(p.contentType);
  if (
    contentType !== undefined &&
    contentType !== 'application/json' &&
    !JSON_CONTENT_TYPE.test(contentType)
  ) {
    return { ok: false, reason: `unsupported content type "${contentType}" (expected application/json)` };
  }
  if (msg.content.length === 0) return { ok: false, reason: 'empty body (expected JSON)' };
  const type = str(p.type) ?? str(h[HEADERS.ceType]);
  if (!type) return { ok: false, reason: 'no event type (AMQP "type" property or cloudEvents:type header)' };
  let data: unknown;
  try {
    data = safeJsonParse(msg.content.toString('utf8'));
  } catch (e) {
    return { ok: false, reason: `body is not valid JSON: ${(e as Error).message}` };
  }
  const id = str(p.messageId) ?? str(h[HEADERS.ceId]);
  if (!id) return { ok: false, reason: 'no event id (AMQP "messageId" property or cloudEvents:id header)' };
  const ceTime = str(h[HEADERS.ceTime]);
  const time =
    ceTime ??
    (typeof p.timestamp === 'number' ? new Date(p.timestamp * 1000).toISOString() : new Date().toISOString());
  const attemptRaw = h[HEADERS.attempt];
  const attempt =
    typeof attemptRaw === 'number' && Number.isInteger(attemptRaw) && attemptRaw >= 1 ? attemptRaw : 1;
  return {
    ok: true,
    envelope: {
      id,
      type,
      source: str(p.appId) ?? str(h[HEADERS.ceSource]) ?? 'unknown',
      time,
      data: data as T,
      priority: typeof p.priority === 'number' ? p.priority : 0,
      correlationId: str(p.correlationId),
      causationId: str(h[HEADERS.causationId]),
      traceparent: str(h[HEADERS.traceparent]),
      tracestate: str(h[HEADERS.tracestate]),
      attempt,
      retry: parseRetry(h[HEADERS.retryPolicy]),
      headers: applicationHeaders(h),
    },
  };
}
