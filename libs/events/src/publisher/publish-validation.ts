import { DEFAULT_PRIORITY, MAX_DELAY_MS, MAX_PRIORITY } from '../constants.js';
import { EventValidationError } from '../errors/event-validation.error.js';
import { headerProblem, isReservedHeader } from '../envelope/header-sanitizer.js';
import type { HeaderValue, PublishOptions } from '../interfaces/publish-options.interface.js';
import { eventTypeProblem } from '../routing/routing-pattern.js';

/** Checks a publish before anything is sent, so one bad publish never closes the channel under others. */
export function validatePublish(type: string, options: PublishOptions): { priority: number; delay: number } {
  if (type !== lastValidType) {
    const typeProblem = eventTypeProblem(type);
    if (typeProblem)
      throw new EventValidationError(
        'event type',
        `${JSON.stringify(type)} ${typeProblem}`,
        typeof type === 'string' ? type : undefined,
      );
    lastValidType = type;
  }
  const sv = options.schemaVersion;
  if (sv !== undefined && (!Number.isInteger(sv) || sv < 1 || sv > 1_000_000)) {
    throw new EventValidationError(
      'schemaVersion',
      `must be an integer ≥ 1, got ${JSON.stringify(sv)}`,
      type,
    );
  }
  const priority = options.priority ?? DEFAULT_PRIORITY;
  if (!Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY) {
    throw new EventValidationError(
      'priority',
      `must be an integer from 0 to ${MAX_PRIORITY}, got ${JSON.stringify(options.priority)}`,
      type,
    );
  }
  const delay = options.delay ?? 0;
  if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0 || delay > MAX_DELAY_MS) {
    throw new EventValidationError(
      'delay',
      `must be a number of ms from 0 to ${MAX_DELAY_MS}, got ${JSON.stringify(options.delay)}`,
      type,
    );
  }
  checkShortString('id', options.id, type);
  checkShortString('correlationId', options.correlationId, type);
  checkShortString('causationId', options.causationId, type);
  checkShortString('source', options.source, type);
  checkShortString('traceparent', options.traceparent, type);
  if (
    options.traceparent !== undefined &&
    !/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(options.traceparent)
  ) {
    throw new EventValidationError(
      'traceparent',
      `is not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>): ${JSON.stringify(options.traceparent)}`,
      type,
    );
  }
  return { priority, delay };
}

/**
 * The last event type found valid: publishers mostly send a few types over and over, and the check
 * (a regular expression and a byte count) is then skipped. A cache of a pure check: same outcome.
 */
let lastValidType: unknown;

function checkShortString(field: string, value: unknown, type: string): void {
  if (
    value !== undefined &&
    (typeof value !== 'string' || value.length === 0 || Buffer.byteLength(value) > 255)
  ) {
    throw new EventValidationError(
      field,
      `must be a non-empty string of at most 255 bytes, got ${JSON.stringify(value)}`,
      type,
    );
  }
}

/** User headers with library/broker headers refused (CC, BCC, x-death, cloudEvents:*, x-attempt...). */
export function validateHeaders(
  type: string,
  headers: Record<string, HeaderValue> | undefined,
): Record<string, HeaderValue> {
  const out: Record<string, HeaderValue> = {};
  if (headers === undefined) return out;
  if (headers === null || typeof headers !== 'object')
    throw new EventValidationError('headers', 'must be an object', type);
  for (const [k, v] of Object.entries(headers)) {
    if (isReservedHeader(k)) continue; // stripped: CC/BCC would re-route, x-death would look like a cycle
    const problem = headerProblem(k, v);
    if (problem) throw new EventValidationError('headers', problem, type);
    out[k] = v;
  }
  return out;
}

/** JSON body of an event, refusing values JSON cannot carry and payloads over the limit. */
export function serializePayload(type: string, data: unknown, maxBytes: number): Buffer {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (e) {
    throw new EventValidationError('payload', `cannot be serialized to JSON: ${(e as Error).message}`, type);
  }
  if (json === undefined)
    throw new EventValidationError('payload', `cannot be serialized to JSON (got ${typeof data})`, type);
  const content = Buffer.from(json, 'utf8');
  if (content.length > maxBytes) {
    throw new EventValidationError(
      'payload',
      `is ${content.length} bytes, over the maxPayloadBytes limit of ${maxBytes}`,
      type,
    );
  }
  return content;
}
