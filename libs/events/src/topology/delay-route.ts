import { DELAY_LEVELS, HEADERS, MAX_DELAY_MS } from '../constants.js';
import type { QueueType } from '../interfaces/events-module-options.interface.js';
import { names } from './topology-names.js';

export type DelayTarget = 'publish' | 'retry';

export interface DelayRoute {
  /** Exchange to publish to: the headers exchange of the highest set bit. */
  exchange: string;
  /** Headers to add: the delay bits from that level down, and where to go at the end. */
  headers: Record<string, string>;
}

/**
 * Binary delay levels: level k holds a message 2^k ms in a fixed-TTL queue, so each level expires in
 * FIFO order and a long delay never holds up a short one. A delay of d ms passes through the levels
 * whose bit is set in d, from the highest down; at the end `{exchange}.delay.out` sends it to the topic
 * exchange ('publish': fans out as if just published) or to `{exchange}.retry` ('retry': one queue).
 * `queueType` picks the family of levels: a quorum service uses the quorum levels (`.delay.qNN`), so a
 * delayed copy survives the loss of a node, and never passes through a classic level.
 */
export function delayRoute(
  exchange: string,
  delayMs: number,
  target: DelayTarget,
  queueType: QueueType = 'classic',
): DelayRoute {
  const d = Math.ceil(delayMs);
  if (!Number.isFinite(d) || d < 1 || d > MAX_DELAY_MS) {
    throw new RangeError(`delay must be from 1 to ${MAX_DELAY_MS} ms, got ${delayMs}`);
  }
  const top = Math.floor(Math.log2(d));
  const headers: Record<string, string> = { [HEADERS.delayTarget]: target };
  for (let k = top; k >= 0; k--) {
    headers[delayBitHeader(k)] = Math.floor(d / 2 ** k) % 2 === 1 ? '1' : '0';
  }
  return { exchange: names.delayLevel(exchange, top, queueType), headers };
}

export function delayBitHeader(k: number): string {
  return `${HEADERS.delayBitPrefix}${String(k).padStart(2, '0')}`;
}

/** Sum of the hold times a route passes through (for tests and docs). */
export function routedDelay(route: DelayRoute): number {
  let total = 0;
  for (let k = 0; k < DELAY_LEVELS; k++) {
    if (route.headers[delayBitHeader(k)] === '1') total += 2 ** k;
  }
  return total;
}
