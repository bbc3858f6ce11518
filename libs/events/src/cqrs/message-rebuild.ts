import type { Type } from '@nestjs/common';
import { NonRetryableError } from '../errors/non-retryable.error.js';

/** Date fields in a received payload: ISO strings at `path` become Dates (arrays on the way are walked). */
function restoreDates(target: unknown, path: string[], type: string, full: string): void {
  if (target === null || typeof target !== 'object') return;
  if (Array.isArray(target)) {
    for (const item of target) restoreDates(item, path, type, full);
    return;
  }
  const obj = target as Record<string, unknown>;
  const [head, ...rest] = path;
  if (!Object.prototype.hasOwnProperty.call(obj, head)) return;
  const value = obj[head];
  if (rest.length > 0) return restoreDates(value, rest, type, full);
  if (Array.isArray(value)) {
    obj[head] = value.map((v) => toDate(v, type, full));
    return;
  }
  obj[head] = toDate(value, type, full);
}

function toDate(value: unknown, type: string, path: string): unknown {
  if (typeof value !== 'string' && typeof value !== 'number') return value; // null, absent, already a Date
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    throw new NonRetryableError(
      `"${type}": field "${path}" is declared a date but holds ${JSON.stringify(value)}`,
    );
  return d;
}

/**
 * Rebuilds a received JSON payload as an instance of `cls` without running its constructor: own
 * fields copied (unknown ones kept), declared dates restored. The class comes from a registry of
 * decorated classes, never from a name in the message. A payload that is not an object is refused
 * (non-retryable: it can never succeed).
 */
export function rebuildMessage<T extends object>(
  cls: Type<T>,
  data: unknown,
  dates: readonly string[],
  type: string,
): T {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new NonRetryableError(
      `"${type}" must carry a JSON object to rebuild ${cls.name}, got ${Array.isArray(data) ? 'an array' : typeof data}`,
    );
  }
  const instance = Object.create(cls.prototype as object) as T;
  Object.assign(instance, data); // safe: payloads are parsed without __proto__/constructor keys
  for (const path of dates) restoreDates(instance, path.split('.'), type, path);
  return instance;
}
