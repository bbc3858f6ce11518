import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventPublisher } from '../../publisher/event-publisher.js';
import { matchesPattern } from '../../routing/routing-pattern.js';
import type { StoredEvent } from '../event-store.types.js';
import type { ProjectionDefinition } from '../projection.explorer.js';
import type { WindowClosed, WindowedAggregationDefinition } from './windowed-aggregation.decorator.js';
import {
  clockWatermark,
  foldEvents,
  msUntilNextClose,
  windowEventId,
  type FoldInput,
  type WindowMark,
} from './window-rules.js';
import type { WindowState, WindowStateStore } from './window-state.store.js';

/**
 * Runs one windowed aggregation as a projection: each batch folds its events into the windows, moves the
 * watermark, closes the windows it passed and writes their events to the outbox, all in the batch's
 * transaction (with the checkpoint). When the projector is caught up, its clock moves the watermark too.
 */
export class WindowedAggregator {
  private readonly logger: Logger;
  /** The last watermark this instance saw committed or wrote; a hint for when to tick, never for a decision. */
  private knownWatermark = -Infinity;

  constructor(
    private readonly def: WindowedAggregationDefinition,
    private readonly store: WindowStateStore,
    private readonly publisher: EventPublisher | undefined,
  ) {
    this.logger = new Logger(`WindowedAggregation:${def.name}`);
  }

  /** The projection the projector runs. */
  projection(className: string): ProjectionDefinition {
    return {
      name: this.def.name,
      className,
      // what the projection counts (for its bootstrap log line); applyBatch does the work
      handlers: [{ name: `${className} (windows)`, patterns: this.def.patterns, invoke: () => undefined }],
      applyBatch: (events, m) => this.applyBatch(events, m),
      idle: {
        dueIn: (now) =>
          msUntilNextClose(this.knownWatermark, now, this.def.windowMs, this.def.allowedLatenessMs),
        run: (m, readStartedAt) => this.tick(m, readStartedAt),
      },
      reset: async (m) => {
        await this.store.clear(m, this.def.name);
        this.knownWatermark = -Infinity;
      },
    };
  }

  private async applyBatch(events: StoredEvent[], m: EntityManager): Promise<void> {
    const before = await this.store.mark(this.def.name, m);
    const { mark, deltas } = foldEvents(
      this.inputs(events),
      before,
      this.def.windowMs,
      this.def.allowedLatenessMs,
    );
    if (deltas.length > 0) await this.store.add(m, this.def.name, deltas);
    const late = deltas.reduce((n, d) => n + d.lateCount, 0);
    if (late > 0)
      this.logger.debug(
        `${late} late event(s) counted apart (watermark ${new Date(mark.watermark).toISOString()})`,
      );
    await this.advance(m, before, mark);
  }

  private async tick(m: EntityManager, readStartedAt: number): Promise<void> {
    const before = await this.store.mark(this.def.name, m);
    const watermark = clockWatermark(before, readStartedAt, this.def.allowedLatenessMs);
    await this.advance(m, before, { ...before, watermark });
  }

  /** Saves the mark and, when the watermark moved, closes what it passed (outbox in the same transaction). */
  private async advance(m: EntityManager, before: WindowMark, after: WindowMark): Promise<void> {
    if (after.watermark > before.watermark) {
      const closed = await this.store.closeDue(m, this.def.name, after.watermark);
      if (closed.length > 0 && this.def.emit) await this.emit(m, closed);
    }
    if (after.watermark !== before.watermark || after.maxEventTime !== before.maxEventTime)
      await this.store.saveMark(m, this.def.name, after);
    this.knownWatermark = Math.max(this.knownWatermark, after.watermark);
  }

  private async emit(m: EntityManager, closed: WindowState[]): Promise<void> {
    await this.publisher!.publishAll(
      closed.map((w) => ({
        type: this.def.emit!,
        data: {
          aggregation: this.def.name,
          key: w.key,
          windowStart: w.windowStart.toISOString(),
          windowEnd: w.windowEnd.toISOString(),
          count: w.count,
          sum: w.sum,
        } satisfies WindowClosed,
        options: { id: windowEventId(this.def.name, w.key, w.windowStart.getTime()), transaction: m },
      })),
    );
  }

  private *inputs(events: StoredEvent[]): Iterable<FoldInput> {
    for (const e of events) {
      const time = e.recordedAt.getTime();
      if (!this.def.patterns.some((p) => matchesPattern(p, e.type))) {
        yield { time };
        continue;
      }
      yield { time, counted: { key: this.keyOf(e), value: this.valueOf(e) } };
    }
  }

  private keyOf(e: StoredEvent): string {
    const key = this.def.key(e.data, e);
    if (
      (typeof key !== 'string' && typeof key !== 'number') ||
      key === '' ||
      Buffer.byteLength(String(key)) > 255
    )
      throw new Error(
        `key of event ${e.id} (position ${e.position}) must be a non-empty string or a number of at most 255 bytes, got ${JSON.stringify(key)}`,
      );
    return String(key);
  }

  private valueOf(e: StoredEvent): number {
    if (!this.def.value) return 0;
    const v = this.def.value(e.data, e);
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(
        `value of event ${e.id} (position ${e.position}) must be a finite number, got ${JSON.stringify(v)}`,
      );
    return v;
  }
}
