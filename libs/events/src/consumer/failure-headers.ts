import { hostname } from 'node:os';
import { HEADERS } from '../constants.js';
import type { DeadLetterReason } from '../retry/failure-decision.js';

const MAX_STACK = 2000;
const MAX_MESSAGE = 1000;

export interface FailureInfo {
  reason: DeadLetterReason;
  error: unknown;
  attempts: number;
  handler: string;
  queue: string;
  originalExchange: string;
  originalRoutingKey: string;
  firstFailureAt: string;
  now: string;
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…(truncated)` : s;
}

/** Text for a thrown non-Error; never throws itself (BigInt, circular objects, null-prototype objects). */
function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    try {
      return String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
}

/** `err.name`, or the class name when a subclass kept the inherited name 'Error'. */
function errorName(err: Error): string {
  const ctor = (err.constructor as { name?: unknown } | undefined)?.name;
  if ((!err.name || err.name === 'Error') && typeof ctor === 'string' && ctor.length > 0) return ctor;
  return err.name || 'Error';
}

/**
 * Structured detail of an error, when it has one: the response of a Nest HttpException (e.g. the
 * messages of a ValidationPipe), an RpcException's error, or an EventsError's `details`.
 */
function errorDetails(error: unknown): string | undefined {
  const e = error as { getResponse?: () => unknown; getError?: () => unknown; details?: unknown } | null;
  if (e === null || typeof e !== 'object') return undefined;
  const d =
    typeof e.getResponse === 'function'
      ? e.getResponse()
      : typeof e.getError === 'function'
        ? e.getError()
        : e.details;
  if (d === undefined || typeof d === 'string') return d;
  return describeThrown(d);
}

/** Headers added to a dead-lettered copy (DESIGN §10.6); strings kept short, far below frame_max. */
export function deadLetterHeaders(f: FailureInfo): Record<string, string | number> {
  const err = f.error instanceof Error ? f.error : new Error(describeThrown(f.error));
  const details = errorDetails(f.error);
  return {
    ...(details !== undefined ? { [HEADERS.errorDetails]: truncate(details, MAX_MESSAGE * 2) } : {}),
    [HEADERS.deadLetterReason]: f.reason,
    [HEADERS.errorName]: truncate(errorName(err), 200),
    [HEADERS.errorMessage]: truncate(err.message ?? '', MAX_MESSAGE),
    [HEADERS.errorStack]: truncate(err.stack ?? '', MAX_STACK),
    [HEADERS.attempts]: f.attempts,
    [HEADERS.originalExchange]: f.originalExchange,
    [HEADERS.originalRoutingKey]: f.originalRoutingKey,
    [HEADERS.originalQueue]: f.queue,
    [HEADERS.handler]: f.handler,
    [HEADERS.firstFailureAt]: f.firstFailureAt,
    [HEADERS.failedAt]: f.now,
    [HEADERS.host]: hostname(),
  };
}

/** Headers describing a failure: dropped on replay, so the replayed event starts over at attempt 1. */
export const FAILURE_HEADER_NAMES: readonly string[] = [
  HEADERS.deadLetterReason,
  HEADERS.errorName,
  HEADERS.errorMessage,
  HEADERS.errorStack,
  HEADERS.errorDetails,
  HEADERS.attempts,
  HEADERS.handler,
  HEADERS.failedAt,
  HEADERS.host,
  HEADERS.firstFailureAt,
  HEADERS.attempt,
];
