import { Injectable } from '@nestjs/common';
import { InvalidOptionsError } from '../../errors/invalid-options.error.js';
import { eventTypeProblem, patternProblem } from '../../routing/routing-pattern.js';
import type { StoredEvent } from '../event-store.types.js';

/** On a `@WindowedAggregation()` class: its resolved definition. */
export const WINDOWED_AGGREGATION_METADATA = Symbol('nestjs-amqp-events:windowed-aggregation');

/** What `@WindowedAggregation()` takes. See docs/windowed-aggregation.md. */
export interface WindowedAggregationOptions<T = unknown> {
  /** Name of the aggregation; also the name of the projection that runs it (`ProjectionService`). */
  name: string;
  /** Event type pattern(s) counted (`*` = one segment, `#` = zero or more), as in `@OnEvent`. */
  source: string | string[];
  /** Length of the tumbling windows in ms (100 or more), aligned to the Unix epoch (60000 = calendar minutes, UTC). */
  windowMs: number;
  /** The key a window is kept per (e.g. a region). @default every event under the key '*' */
  key?: (data: T, event: StoredEvent<T>) => string | number;
  /** The number summed per window (e.g. an order total). @default none: `sum` stays 0 */
  value?: (data: T, event: StoredEvent<T>) => number;
  /** Event type published (through the outbox) when a window closes; none = state only. */
  emit?: string;
  /**
   * How long a window stays open after its end: it closes once the watermark (the latest recorded time
   * seen, or the projector's clock when it is caught up, minus this) passes its end. Later events are late.
   * @default 0
   */
  allowedLatenessMs?: number;
}

/** A validated aggregation definition. */
export interface WindowedAggregationDefinition {
  name: string;
  patterns: string[];
  windowMs: number;
  allowedLatenessMs: number;
  key: (data: unknown, event: StoredEvent) => string | number;
  value: ((data: unknown, event: StoredEvent) => number) | undefined;
  emit: string | undefined;
}

const NAME_RE = /^[A-Za-z0-9_.:-]{1,200}$/;
const MAX_WINDOW_MS = 366 * 24 * 3_600_000;

/** Validates the options (every problem names its option) and applies defaults. Pure. */
export function resolveWindowedAggregation(input: WindowedAggregationOptions): WindowedAggregationDefinition {
  const at = (option: string) =>
    `@WindowedAggregation(${JSON.stringify((input as { name?: unknown } | undefined)?.name)}).${option}`;
  if (!input || typeof input !== 'object')
    throw new InvalidOptionsError('@WindowedAggregation', 'expected an object');
  const known = ['name', 'source', 'windowMs', 'key', 'value', 'emit', 'allowedLatenessMs'];
  for (const k of Object.keys(input))
    if (!known.includes(k))
      throw new InvalidOptionsError(at(k), `unknown option; known: ${known.join(', ')}`);
  if (typeof input.name !== 'string' || !NAME_RE.test(input.name))
    throw new InvalidOptionsError(at('name'), `must match ${NAME_RE.source}`);
  const patterns = typeof input.source === 'string' ? [input.source] : input.source;
  if (!Array.isArray(patterns) || patterns.length === 0)
    throw new InvalidOptionsError(at('source'), 'must be an event type pattern or a non-empty array of them');
  for (const p of patterns) {
    const problem = patternProblem(p);
    if (problem) throw new InvalidOptionsError(at('source'), `${JSON.stringify(p)} ${problem}`);
  }
  const windowMs = input.windowMs;
  // at least 100 ms: a caught-up projector runs one short transaction per window period
  if (!Number.isInteger(windowMs) || windowMs < 100 || windowMs > MAX_WINDOW_MS)
    throw new InvalidOptionsError(at('windowMs'), `must be an integer from 100 to ${MAX_WINDOW_MS} (ms)`);
  const lateness = input.allowedLatenessMs ?? 0;
  if (!Number.isInteger(lateness) || lateness < 0 || lateness > MAX_WINDOW_MS)
    throw new InvalidOptionsError(
      at('allowedLatenessMs'),
      `must be an integer from 0 to ${MAX_WINDOW_MS} (ms)`,
    );
  for (const fn of ['key', 'value'] as const) {
    if (input[fn] !== undefined && typeof input[fn] !== 'function')
      throw new InvalidOptionsError(at(fn), 'must be a function (data, event) => ...');
  }
  if (input.emit !== undefined) {
    const problem = eventTypeProblem(input.emit);
    if (problem) throw new InvalidOptionsError(at('emit'), problem);
  }
  return {
    name: input.name,
    patterns,
    windowMs,
    allowedLatenessMs: lateness,
    key: (input.key as WindowedAggregationDefinition['key']) ?? (() => '*'),
    value: input.value as WindowedAggregationDefinition['value'],
    emit: input.emit,
  };
}

/**
 * Counts and sums events per key over tumbling windows of event time, fed from the event store like a
 * projection (exactly once, window state in the checkpoint's transaction), and publishes `emit` through
 * the outbox when a window closes. Put it on a provider class (it also makes the class `@Injectable()`).
 */
export function WindowedAggregation<T = unknown>(options: WindowedAggregationOptions<T>): ClassDecorator {
  const def = resolveWindowedAggregation(options as WindowedAggregationOptions);
  return (target) => {
    Injectable()(target);
    Reflect.defineMetadata(WINDOWED_AGGREGATION_METADATA, def, target);
  };
}

/** The data of the event published when a window closes. */
export interface WindowClosed {
  /** The aggregation's name. */
  aggregation: string;
  key: string;
  /** Inclusive start of the window (ISO 8601). */
  windowStart: string;
  /** Exclusive end of the window (ISO 8601). */
  windowEnd: string;
  /** Events counted (on time). */
  count: number;
  /** Sum of their values. */
  sum: number;
}
