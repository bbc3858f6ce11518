import type { EntityManager } from 'typeorm';
import { qualify } from '../../persistence/sql-names.js';
import type { EventStoreDatabase } from '../event-store.database.js';
import { NO_MARK, type WindowDelta, type WindowMark } from './window-rules.js';
import { WINDOW_MARKS_TABLE, WINDOWS_TABLE } from './windows.entities.js';

/** One window as stored. */
export interface WindowState {
  aggregation: string;
  key: string;
  windowStart: Date;
  windowEnd: Date;
  /** Events counted on time (what the close emitted, or will emit). */
  count: number;
  sum: number;
  /** Events that arrived after the window had closed (never emitted). */
  lateCount: number;
  lateSum: number;
  state: 'open' | 'closed';
  closedAt: Date | null;
}

interface RawWindow {
  aggregation: string;
  window_key: string;
  window_start: string | number;
  window_end: string | number;
  event_count: string | number;
  value_sum: string | number;
  late_count: string | number;
  late_sum: string | number;
  state: string;
  closed_at: string | number | null;
}

const COLS =
  '"aggregation", "window_key", "window_start", "window_end", "event_count", "value_sum", "late_count", "late_sum", "state", "closed_at"';

/** TypeORM returns `[rows, affected]` for UPDATE ... RETURNING on Postgres, the rows on SQLite. */
function returned<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  )
    return result[0] as T[];
  return Array.isArray(result) ? (result as T[]) : [];
}

function decode(r: RawWindow): WindowState {
  return {
    aggregation: r.aggregation,
    key: r.window_key,
    windowStart: new Date(Number(r.window_start)),
    windowEnd: new Date(Number(r.window_end)),
    count: Number(r.event_count),
    sum: Number(r.value_sum),
    lateCount: Number(r.late_count),
    lateSum: Number(r.late_sum),
    state: r.state === 'closed' ? 'closed' : 'open',
    closedAt: r.closed_at === null ? null : new Date(Number(r.closed_at)),
  };
}

/** The windows and watermarks of aggregations (`events_windows`, `events_window_marks`). */
export class WindowStateStore {
  private readonly windows: string;
  private readonly marks: string;

  constructor(private readonly db: EventStoreDatabase) {
    this.windows = qualify(WINDOWS_TABLE, db.schema);
    this.marks = qualify(WINDOW_MARKS_TABLE, db.schema);
  }

  async mark(aggregation: string, m?: EntityManager): Promise<WindowMark> {
    const rows = await this.db.query<{ watermark: string | number; max_event_time: string | number | null }>(
      `SELECT "watermark", "max_event_time" FROM ${this.marks} WHERE "aggregation" = $1`,
      [aggregation],
      m,
    );
    if (!rows[0]) return NO_MARK;
    const max = rows[0].max_event_time;
    return { watermark: Number(rows[0].watermark), maxEventTime: max === null ? -Infinity : Number(max) };
  }

  async saveMark(m: EntityManager, aggregation: string, mark: WindowMark): Promise<void> {
    if (mark.watermark === -Infinity) return;
    await this.db.query(
      `INSERT INTO ${this.marks} ("aggregation", "watermark", "max_event_time", "updated_at") VALUES ($1, $2, $3, $4) ` +
        `ON CONFLICT ("aggregation") DO UPDATE SET "watermark" = excluded."watermark", ` +
        `"max_event_time" = excluded."max_event_time", "updated_at" = excluded."updated_at"`,
      [aggregation, mark.watermark, mark.maxEventTime === -Infinity ? null : mark.maxEventTime, Date.now()],
      m,
    );
  }

  /**
   * Adds the deltas to their windows (creating them). A window first seen with late events only is created
   * closed: it is never emitted.
   */
  async add(m: EntityManager, aggregation: string, deltas: WindowDelta[]): Promise<void> {
    const now = Date.now();
    for (let i = 0; i < deltas.length; i += 400) {
      const params: unknown[] = [];
      const values = deltas.slice(i, i + 400).map((d, j) => {
        params.push(aggregation, d.key, d.start, d.end, d.count, d.sum, d.lateCount, d.lateSum);
        params.push(d.count > 0 ? 'open' : 'closed', now, d.count > 0 ? null : now);
        const o = j * 11;
        return `(${Array.from({ length: 11 }, (_, k) => `$${o + k + 1}`).join(', ')})`;
      });
      await this.db.query(
        `INSERT INTO ${this.windows} AS w ("aggregation", "window_key", "window_start", "window_end", "event_count", "value_sum", ` +
          `"late_count", "late_sum", "state", "updated_at", "closed_at") VALUES ${values.join(', ')} ` +
          `ON CONFLICT ("aggregation", "window_key", "window_start") DO UPDATE SET ` +
          `"event_count" = w."event_count" + excluded."event_count", "value_sum" = w."value_sum" + excluded."value_sum", ` +
          `"late_count" = w."late_count" + excluded."late_count", "late_sum" = w."late_sum" + excluded."late_sum", ` +
          `"updated_at" = excluded."updated_at"`,
        params,
        m,
      );
    }
  }

  /** Closes the open windows that end at or before `watermark`; returns them, oldest first. */
  async closeDue(m: EntityManager, aggregation: string, watermark: number): Promise<WindowState[]> {
    const now = Date.now(); // each $n once: SQLite placeholders are positional
    const rows = returned<RawWindow>(
      await this.db.query(
        `UPDATE ${this.windows} SET "state" = 'closed', "closed_at" = $1, "updated_at" = $2 ` +
          `WHERE "aggregation" = $3 AND "state" = 'open' AND "window_end" <= $4 RETURNING ${COLS}`,
        [now, now, aggregation, watermark],
        m,
      ),
    );
    return rows
      .map(decode)
      .sort((a, b) => +a.windowEnd - +b.windowEnd || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Deletes an aggregation's windows and watermark (rebuild). */
  async clear(m: EntityManager, aggregation: string): Promise<void> {
    await this.db.query(`DELETE FROM ${this.windows} WHERE "aggregation" = $1`, [aggregation], m);
    await this.db.query(`DELETE FROM ${this.marks} WHERE "aggregation" = $1`, [aggregation], m);
  }

  async list(
    aggregation: string,
    filter: { key?: string; state?: 'open' | 'closed'; from?: Date; to?: Date; limit?: number } = {},
  ): Promise<WindowState[]> {
    const where = ['"aggregation" = $1'];
    const params: unknown[] = [aggregation];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.key !== undefined) add('"window_key" = ?', filter.key);
    if (filter.state !== undefined) add('"state" = ?', filter.state);
    if (filter.from !== undefined) add('"window_start" >= ?', filter.from.getTime());
    if (filter.to !== undefined) add('"window_end" <= ?', filter.to.getTime());
    const limit = Math.max(1, Math.min(Math.floor(filter.limit ?? 10_000), 100_000));
    const rows = await this.db.query<RawWindow>(
      `SELECT ${COLS} FROM ${this.windows} WHERE ${where.join(' AND ')} ORDER BY "window_start", "window_key" LIMIT ${limit}`,
      params,
    );
    return rows.map(decode);
  }
}
