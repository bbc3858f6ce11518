import { HEADERS } from '../constants.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import type { EventEnvelope, WireFormat, WireMessage } from './envelope.js';
import { derivedEventId, typeFromRoutingKey } from './foreign-message.js';
import { applicationHeaders } from './header-sanitizer.js';
import {
  type DecodeResult,
  type IncomingMessage,
  headerString,
  positiveInteger,
} from './incoming-message.js';
import { safeJsonParse } from './safe-json.js';
import { BATCH_CONTENT_TYPE, STRUCTURED_CONTENT_TYPE, decodeStructured } from './structured-mode.js';

export type { DecodeResult, IncomingMessage } from './incoming-message.js';

/**
 * Envelope → AMQP content and properties (DESIGN §3). The payload must already be serialized.
 *
 * The CloudEvents attributes travel in the AMQP properties (messageId, type, appId, timestamp in
 * seconds, contentType) with correlationId and priority. Headers only carry what no property can, and
 * only when there is something to carry: trace context, causation id, `x-attempt` above 1 (retry
 * copies), the publisher's retry policy, `x-schema-version` above 1, the application's headers.
 * `format.cloudEventsHeaders` adds the `cloudEvents:*` headers (time with milliseconds).
 */
export function encodeEnvelope(
  env: Omit<EventEnvelope, 'data'>,
  content: Buffer,
  format?: WireFormat,
): WireMessage {
  return {
    content,
    properties: {
      messageId: env.id,
      type: env.type,
      appId: env.source,
      timestamp: secondsOf(env.time),
      correlationId: env.correlationId,
      priority: env.priority,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      persistent: true,
      userId: format?.userId,
      headers: wireHeaders(env, format),
    },
  };
}

/**
 * ISO time → whole seconds (the AMQP timestamp), remembering the last one: a publisher's clock hands
 * out one string per millisecond, so consecutive events mostly share it. A cache of a pure function.
 */
const isoSeconds: { iso: string | undefined; seconds: number } = { iso: undefined, seconds: Number.NaN };

function secondsOf(iso: string): number {
  if (iso !== isoSeconds.iso) {
    isoSeconds.seconds = Math.floor(Date.parse(iso) / 1000);
    isoSeconds.iso = iso;
  }
  return isoSeconds.seconds;
}

/** The headers of a message, or undefined when it has none (the usual case: no object to encode). */
function wireHeaders(
  env: Omit<EventEnvelope, 'data'>,
  format?: WireFormat,
): Record<string, unknown> | undefined {
  const ce = format?.cloudEventsHeaders === true;
  if (
    !ce &&
    env.attempt <= 1 &&
    !env.traceparent &&
    !env.tracestate &&
    !env.causationId &&
    !env.retry &&
    !(env.schemaVersion !== undefined && env.schemaVersion > 1) &&
    !hasKeys(env.headers)
  ) {
    return undefined;
  }
  // user headers first: library headers written after them always win
  const headers: Record<string, unknown> = { ...env.headers };
  if (ce) {
    headers[HEADERS.ceSpecVersion] = '1.0';
    headers[HEADERS.ceId] = env.id;
    headers[HEADERS.ceSource] = env.source;
    headers[HEADERS.ceType] = env.type;
    headers[HEADERS.ceTime] = env.time;
  }
  if (env.attempt > 1) headers[HEADERS.attempt] = env.attempt;
  if (env.traceparent) headers[HEADERS.traceparent] = env.traceparent;
  if (env.tracestate) headers[HEADERS.tracestate] = env.tracestate;
  if (env.causationId) headers[HEADERS.causationId] = env.causationId;
  if (env.retry) headers[HEADERS.retryPolicy] = JSON.stringify(env.retry);
  if (env.schemaVersion !== undefined && env.schemaVersion > 1)
    headers[HEADERS.schemaVersion] = env.schemaVersion;
  return headers;
}

function hasKeys(o: object | undefined): boolean {
  if (o === undefined || o === null) return false;
  for (const _ in o) return true;
  return false;
}

const JSON_CONTENT_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;.*)?$/i;

function parseRetry(v: unknown): Partial<RetryPolicy> | undefined {
  const s = headerString(v);
  if (!s) return undefined;
  try {
    const parsed = safeJsonParse(s);
    return parsed && typeof parsed === 'object' ? (parsed as Partial<RetryPolicy>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Seconds → ISO string, remembering the last one: consecutive messages mostly share their second, and
 * `toISOString()` is about a microsecond of every delivery otherwise. A cache of a pure function (the
 * same input always gives the same string), so sharing it between consumers changes no behaviour.
 */
const secondsIso = { seconds: Number.NaN, iso: '' };

function isoOfSeconds(seconds: number): string {
  if (seconds !== secondsIso.seconds) {
    secondsIso.iso = new Date(seconds * 1000).toISOString();
    secondsIso.seconds = seconds;
  }
  return secondsIso.iso;
}

/** `time`: the `cloudEvents:time` header (ms precision), else the AMQP timestamp (whole seconds), else now. */
function timeOf(p: IncomingMessage['properties'], h: Record<string, unknown>): string {
  const ceTime = headerString(h[HEADERS.ceTime]);
  if (ceTime) return ceTime;
  // Date's range is ±8.64e15 ms: a producer's out-of-range timestamp must not make decoding throw
  return typeof p.timestamp === 'number' && Math.abs(p.timestamp) <= 8.64e12
    ? isoOfSeconds(p.timestamp)
    : new Date().toISOString();
}

/**
 * AMQP message → envelope, or the reason it cannot be decoded (the message is then dead-lettered).
 * Reads both wire forms (properties only, or properties plus `cloudEvents:*` headers, including
 * messages of earlier versions of this library), structured-mode CloudEvents, and messages of other
 * producers: no type → the routing key; no id → a derived one (see `derivedEventId`).
 */
export function decodeMessage<T = unknown>(msg: IncomingMessage): DecodeResult<T> {
  const p = msg.properties;
  const h = p.headers ?? NO_HEADERS;
  if (msg.content.length === 0) return { ok: false, reason: 'empty body (expected JSON)' };
  const contentType = headerString(p.contentType);
  if (contentType !== undefined && contentType !== 'application/json') {
    if (STRUCTURED_CONTENT_TYPE.test(contentType)) return decodeStructured<T>(msg, transportFields(p, h));
    if (BATCH_CONTENT_TYPE.test(contentType)) {
      return {
        ok: false,
        reason:
          'CloudEvents batch mode (application/cloudevents-batch+json) is not supported: publish one event per message',
      };
    }
    if (!JSON_CONTENT_TYPE.test(contentType)) {
      return { ok: false, reason: `unsupported content type "${contentType}" (expected application/json)` };
    }
  }
  const type = headerString(p.type) ?? headerString(h[HEADERS.ceType]) ?? typeFromRoutingKey(msg);
  if (!type) {
    return {
      ok: false,
      reason:
        'no event type (AMQP "type" property, cloudEvents:type header or a routing key on the events exchange)',
    };
  }
  let data: unknown;
  try {
    data = safeJsonParse(msg.content.toString('utf8'));
  } catch (e) {
    return { ok: false, reason: `body is not valid JSON: ${(e as Error).message}` };
  }
  // one object literal per delivery (runs for every message: no intermediate objects or spreads)
  return {
    ok: true,
    envelope: {
      id: headerString(p.messageId) ?? headerString(h[HEADERS.ceId]) ?? derivedEventId(msg),
      type,
      source: headerString(p.appId) ?? headerString(h[HEADERS.ceSource]) ?? 'unknown',
      time: timeOf(p, h),
      data: data as T,
      priority: typeof p.priority === 'number' ? p.priority : 0,
      correlationId: headerString(p.correlationId),
      causationId: headerString(h[HEADERS.causationId]),
      traceparent: headerString(h[HEADERS.traceparent]),
      tracestate: headerString(h[HEADERS.tracestate]),
      attempt: positiveInteger(h[HEADERS.attempt]) ?? 1,
      retry: parseRetry(h[HEADERS.retryPolicy]),
      schemaVersion: positiveInteger(h[HEADERS.schemaVersion]),
      headers: applicationHeaders(h),
      userId: headerString(p.userId),
    },
  };
}

const NO_HEADERS: Record<string, unknown> = Object.freeze({});

/** What the AMQP message around a structured-mode event carries: priority, correlation, retry state. */
function transportFields(p: IncomingMessage['properties'], h: Record<string, unknown>) {
  return {
    priority: typeof p.priority === 'number' ? p.priority : 0,
    correlationId: headerString(p.correlationId),
    causationId: headerString(h[HEADERS.causationId]),
    traceparent: headerString(h[HEADERS.traceparent]),
    tracestate: headerString(h[HEADERS.tracestate]),
    attempt: positiveInteger(h[HEADERS.attempt]) ?? 1,
    retry: parseRetry(h[HEADERS.retryPolicy]),
    schemaVersion: positiveInteger(h[HEADERS.schemaVersion]),
    headers: applicationHeaders(h),
    userId: headerString(p.userId),
  };
}
