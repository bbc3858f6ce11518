import { HEADERS } from '../constants.js';
import { safeJsonParse } from '../envelope/safe-json.js';

/** A remote error as it travels in an outcome: name and message, plus structured details if any. */
export interface RemoteErrorInfo {
  name: string;
  message: string;
  /** A structured error payload (an `RpcException` body, validation errors), JSON only. */
  details?: unknown;
}

/**
 * What a handler reports back to whoever waits for an event or a request: success (with the
 * handler's result for requests) or failure (the event was dead-lettered, or the request failed).
 */
export interface DeliveryOutcome {
  ok: boolean;
  /** `Class.method` (or pattern) of the handler that settled it. */
  handler: string;
  /** Why it failed: a dead-letter reason (`max-attempts`, `non-retryable`, ...) or `error` for a request. */
  reason?: string;
  error?: RemoteErrorInfo;
  /** The handler's result: sent only when the message asked for it (requests). */
  result?: unknown;
}

/** Where an outcome goes, read from the headers of the message being processed. */
export interface ReplyTarget {
  queue: string;
  correlationId: string;
  wantsResult: boolean;
  /** `nest`: reply in Nest's RMQ transport format (`{ id, response, err, isDisposed }`). */
  format: 'events' | 'nest';
}

interface MessageLike {
  properties: { messageId?: unknown; headers?: Record<string, unknown> };
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v.length > 0) return v;
  if (Buffer.isBuffer(v) && v.length > 0) return v.toString('utf8');
  return undefined;
}

/** The reply address of a message, or undefined when nobody waits for it (the default: costs one lookup). */
export function replyTarget(msg: MessageLike): ReplyTarget | undefined {
  const h = msg.properties.headers;
  const queue = h ? str(h[HEADERS.replyTo]) : undefined;
  if (!queue || !h) return undefined;
  const correlationId = str(h[HEADERS.replyCorrelationId]) ?? str(msg.properties.messageId);
  if (!correlationId) return undefined;
  return {
    queue,
    correlationId,
    wantsResult: h[HEADERS.replyWithResult] === true || h[HEADERS.replyWithResult] === 'true',
    format: str(h[HEADERS.replyFormat]) === 'nest' ? 'nest' : 'events',
  };
}

/** An error (or a thrown non-Error, or a filtered RPC error object) as name, message and details. */
export function describeError(error: unknown): RemoteErrorInfo {
  if (error instanceof Error) {
    // HttpException.getResponse() / RpcException.getError() carry the structured part (validation messages)
    const e = error as Error & { details?: unknown; getResponse?: () => unknown; getError?: () => unknown };
    const details =
      e.details ??
      (typeof e.getResponse === 'function'
        ? e.getResponse()
        : typeof e.getError === 'function'
          ? e.getError()
          : undefined);
    // subclasses that do not set `name` (RpcException) are named after their class
    const name = error.name && error.name !== 'Error' ? error.name : (error.constructor?.name ?? 'Error');
    return { name, message: error.message ?? '', ...(details !== undefined ? { details } : {}) };
  }
  if (error !== null && typeof error === 'object') {
    const o = error as Record<string, unknown>;
    const message =
      typeof o.message === 'string'
        ? o.message
        : Array.isArray(o.message)
          ? o.message.join('; ')
          : JSON.stringify(error);
    return { name: typeof o.name === 'string' ? o.name : 'RpcError', message: message ?? '', details: error };
  }
  return { name: 'Error', message: String(error) };
}

/** JSON body of an outcome; a result that JSON cannot carry becomes a failure saying so. */
export function encodeOutcome(outcome: DeliveryOutcome, target: ReplyTarget): Buffer {
  let body: unknown = outcome;
  if (target.format === 'nest') {
    body = outcome.ok
      ? { id: target.correlationId, response: outcome.result, isDisposed: true }
      : {
          id: target.correlationId,
          err: outcome.error?.details ?? { status: 'error', message: outcome.error?.message },
          isDisposed: true,
        };
  }
  try {
    const json = JSON.stringify(body);
    if (json !== undefined) return Buffer.from(json, 'utf8');
  } catch (e) {
    return encodeOutcome(
      {
        ok: false,
        handler: outcome.handler,
        reason: 'error',
        error: {
          name: 'ReplySerializationError',
          message: `the handler's result cannot be serialized to JSON: ${(e as Error).message}`,
        },
      },
      target,
    );
  }
  return Buffer.from('{}', 'utf8');
}

/** Parses an outcome message; undefined when it is not one (it is then dropped). */
export function decodeOutcome(content: Buffer): DeliveryOutcome | undefined {
  let parsed: unknown;
  try {
    parsed = safeJsonParse(content.toString('utf8'));
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || typeof (parsed as DeliveryOutcome).ok !== 'boolean')
    return undefined;
  const o = parsed as DeliveryOutcome;
  return {
    ok: o.ok,
    handler: typeof o.handler === 'string' ? o.handler : 'unknown',
    reason: typeof o.reason === 'string' ? o.reason : undefined,
    error:
      o.error && typeof o.error === 'object'
        ? {
            name: String(o.error.name ?? 'Error'),
            message: String(o.error.message ?? ''),
            details: o.error.details,
          }
        : undefined,
    result: o.result,
  };
}
