import { RESERVED_HEADER_NAMES, RESERVED_HEADER_PREFIXES } from '../constants.js';
import type { HeaderValue } from '../interfaces/publish-options.interface.js';

export function isReservedHeader(name: string): boolean {
  if (RESERVED_HEADER_NAMES.has(name)) return true;
  for (let i = 0; i < RESERVED_HEADER_PREFIXES.length; i++) {
    if (name.startsWith(RESERVED_HEADER_PREFIXES[i])) return true;
  }
  return false;
}

/** Returns a problem with a user header, or undefined. */
export function headerProblem(name: string, value: unknown): string | undefined {
  if (name.length === 0 || Buffer.byteLength(name) > 255) return `header name "${name}" must be 1..255 bytes`;
  if (value === null || typeof value === 'boolean') return undefined;
  if (typeof value === 'number')
    return Number.isFinite(value) ? undefined : `header "${name}" must be a finite number`;
  if (typeof value === 'string')
    return Buffer.byteLength(value) > 16_384 ? `header "${name}" is longer than 16 KiB` : undefined;
  return `header "${name}" must be a string, number, boolean or null (got ${typeof value})`;
}

/** Copies application headers, dropping library and broker headers (CC, BCC, x-death, ...). */
export function applicationHeaders(
  headers: Record<string, unknown> | undefined,
): Record<string, HeaderValue> {
  const out: Record<string, HeaderValue> = {};
  if (!headers) return out;
  // runs for every delivery: Object.keys + index, no [key, value] pair arrays
  const keys = Object.keys(headers);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (isReservedHeader(k)) continue;
    const v = headers[k];
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

/** Copy of message headers for republishing: removes broker-added death/routing headers and CC/BCC. */
export function republishableHeaders(headers: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!headers) return out;
  for (const [k, v] of Object.entries(headers)) {
    if (k === 'x-death' || k.startsWith('x-first-death-') || k.startsWith('x-last-death-')) continue;
    if (k === 'CC' || k === 'BCC' || k === 'cc' || k === 'bcc' || k === 'x-delivery-count') continue;
    if (k.startsWith('nae-')) continue;
    out[k] = v;
  }
  return out;
}
