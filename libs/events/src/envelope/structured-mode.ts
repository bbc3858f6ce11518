import type { HeaderValue } from '../interfaces/publish-options.interface.js';
import type { EventEnvelope } from './envelope.js';
import { derivedEventId, typeFromRoutingKey } from './foreign-message.js';
import { isReservedHeader } from './header-sanitizer.js';
import { type DecodeResult, type IncomingMessage, headerString } from './incoming-message.js';
import { safeJsonParse } from './safe-json.js';

/** CloudEvents structured mode over AMQP: the whole event (attributes and data) as a JSON body. */
export const STRUCTURED_CONTENT_TYPE = /^application\/cloudevents\+json\s*(;.*)?$/i;
export const BATCH_CONTENT_TYPE = /^application\/cloudevents-batch\+json\s*(;.*)?$/i;
const JSON_DATA = /^application\/([a-z0-9.+-]+\+)?json\s*(;.*)?$/i;

/** Context attributes of CloudEvents 1.0 that are not extensions. */
const CORE_ATTRIBUTES = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'time',
  'datacontenttype',
  'dataschema',
  'subject',
  'data',
  'data_base64',
]);

function attr(ce: Record<string, unknown>, name: string): string | undefined {
  const v = ce[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function dataOf(ce: Record<string, unknown>): { ok: true; data: unknown } | { ok: false; reason: string } {
  if (!('data_base64' in ce)) return { ok: true, data: ce.data ?? null };
  const b64 = ce.data_base64;
  if (typeof b64 !== 'string') return { ok: false, reason: 'CloudEvents data_base64 is not a string' };
  const bytes = Buffer.from(b64, 'base64');
  const dct = attr(ce, 'datacontenttype');
  if (dct !== undefined && !JSON_DATA.test(dct)) return { ok: true, data: bytes.toString('utf8') };
  try {
    return { ok: true, data: safeJsonParse(bytes.toString('utf8')) };
  } catch (e) {
    return { ok: false, reason: `CloudEvents data_base64 is not valid JSON: ${(e as Error).message}` };
  }
}

/**
 * A structured-mode CloudEvent (`application/cloudevents+json`) → envelope: the attributes come from
 * the body; `traceparent`/`tracestate` extensions become the trace context; other extensions with a
 * string, number or boolean value become application headers. Priority, correlation id and the
 * library's retry headers still come from the AMQP message around it.
 */
export function decodeStructured<T>(
  msg: IncomingMessage,
  base: Omit<EventEnvelope, 'id' | 'type' | 'source' | 'time' | 'data'>,
): DecodeResult<T> {
  let ce: unknown;
  try {
    ce = safeJsonParse(msg.content.toString('utf8'));
  } catch (e) {
    return { ok: false, reason: `CloudEvents structured body is not valid JSON: ${(e as Error).message}` };
  }
  if (ce === null || typeof ce !== 'object' || Array.isArray(ce)) {
    return { ok: false, reason: 'CloudEvents structured body is not a JSON object' };
  }
  const event = ce as Record<string, unknown>;
  const specversion = attr(event, 'specversion');
  if (specversion !== undefined && !specversion.startsWith('1.')) {
    return { ok: false, reason: `unsupported CloudEvents specversion "${specversion}" (expected 1.0)` };
  }
  const type = attr(event, 'type') ?? headerString(msg.properties.type) ?? typeFromRoutingKey(msg);
  if (!type) return { ok: false, reason: 'no event type (CloudEvents "type" attribute)' };
  const data = dataOf(event);
  if (!data.ok) return data;
  const time = attr(event, 'time');
  const parsedTime = time === undefined ? Number.NaN : Date.parse(time);
  const headers: Record<string, HeaderValue> = { ...base.headers };
  for (const [k, v] of Object.entries(event)) {
    if (CORE_ATTRIBUTES.has(k) || k === 'traceparent' || k === 'tracestate' || isReservedHeader(k)) continue;
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))
      headers[k] = v;
  }
  return {
    ok: true,
    envelope: {
      ...base,
      id: attr(event, 'id') ?? headerString(msg.properties.messageId) ?? derivedEventId(msg),
      type,
      source: attr(event, 'source') ?? headerString(msg.properties.appId) ?? 'unknown',
      time: Number.isNaN(parsedTime) ? new Date().toISOString() : new Date(parsedTime).toISOString(),
      data: data.data as T,
      traceparent: attr(event, 'traceparent') ?? base.traceparent,
      tracestate: attr(event, 'tracestate') ?? base.tracestate,
      headers,
    },
  };
}
