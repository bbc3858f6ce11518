import { createHash } from 'node:crypto';

/** Where an aggregation's time stands: persisted with its windows, in the checkpoint's transaction. */
export interface WindowMark {
  /** Windows whose end is at or before this (epoch ms) are closed; -Infinity before anything was seen. */
  watermark: number;
  /** Latest recorded time of the events read so far (epoch ms), -Infinity before the first. */
  maxEventTime: number;
}

export const NO_MARK: WindowMark = { watermark: -Infinity, maxEventTime: -Infinity };

/** What a batch adds to one window (key + start). */
export interface WindowDelta {
  key: string;
  start: number;
  end: number;
  count: number;
  sum: number;
  lateCount: number;
  lateSum: number;
}

/** One event as the fold sees it: its time, and (when it is counted) its key and value. */
export interface FoldInput {
  time: number;
  counted?: { key: string; value: number };
}

/** Start of the tumbling window holding `time` (windows are aligned to the epoch). Pure. */
export function windowStart(time: number, windowMs: number): number {
  return Math.floor(time / windowMs) * windowMs;
}

/**
 * Folds events (in store order) into window deltas and the new mark. Every event moves the event-time
 * watermark to (latest recorded time − allowed lateness); a counted event whose window ended at or before
 * the watermark is late (counted apart, never into the emitted figures). The outcome does not depend on
 * how the events are cut into batches. Pure.
 */
export function foldEvents(
  events: Iterable<FoldInput>,
  mark: WindowMark,
  windowMs: number,
  allowedLatenessMs: number,
): { mark: WindowMark; deltas: WindowDelta[] } {
  let { watermark, maxEventTime } = mark;
  const deltas = new Map<string, WindowDelta>();
  for (const e of events) {
    if (e.time > maxEventTime) {
      maxEventTime = e.time;
      watermark = Math.max(watermark, maxEventTime - allowedLatenessMs);
    }
    if (!e.counted) continue;
    const start = windowStart(e.time, windowMs);
    const id = `${start}\u0000${e.counted.key}`;
    let d = deltas.get(id);
    if (!d) {
      d = { key: e.counted.key, start, end: start + windowMs, count: 0, sum: 0, lateCount: 0, lateSum: 0 };
      deltas.set(id, d);
    }
    if (d.end <= watermark) {
      d.lateCount++;
      d.lateSum += e.counted.value;
    } else {
      d.count++;
      d.sum += e.counted.value;
    }
  }
  return { mark: { watermark, maxEventTime }, deltas: [...deltas.values()] };
}

/**
 * The wall-clock watermark of a caught-up projector: `readStartedAt` is taken before the read that found
 * nothing new, so an event committed later was recorded at most its commit delay before it. Pure.
 */
export function clockWatermark(mark: WindowMark, readStartedAt: number, allowedLatenessMs: number): number {
  return Math.max(mark.watermark, readStartedAt - allowedLatenessMs);
}

/** Ms until the clock watermark crosses the next window boundary after `watermark` (≤ 0: now). Pure. */
export function msUntilNextClose(
  watermark: number,
  now: number,
  windowMs: number,
  allowedLatenessMs: number,
): number {
  if (watermark === -Infinity) return 0;
  return windowStart(watermark, windowMs) + windowMs + allowedLatenessMs - now;
}

/** The id of the event a window's close publishes: a UUID derived from (aggregation, key, start), so a
 *  consumer's inbox recognises the same window again (e.g. after a rebuild). Pure. */
export function windowEventId(aggregation: string, key: string, start: number): string {
  const h = createHash('sha1').update(`nae-window\u0000${aggregation}\u0000${key}\u0000${start}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50; // version 5 (name-based, SHA-1)
  h[8] = (h[8] & 0x3f) | 0x80; // RFC 4122 variant
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
