import { Injectable } from '@nestjs/common';
import { EventStoreDatabase } from '../event-store.database.js';
import { WindowStateStore, type WindowState } from './window-state.store.js';

/** Filter of `WindowedAggregationService.windows()`. */
export interface WindowQuery {
  key?: string;
  state?: 'open' | 'closed';
  /** Windows starting at or after this. */
  from?: Date;
  /** Windows ending at or before this. */
  to?: Date;
  /** @default 10000 */
  limit?: number;
}

/** Reads the state of windowed aggregations: their windows (open, closed, late counts) and watermarks. */
@Injectable()
export class WindowedAggregationService {
  private readonly state: WindowStateStore;

  constructor(db: EventStoreDatabase) {
    this.state = new WindowStateStore(db);
  }

  /** Windows of an aggregation, oldest first (by start, then key). */
  windows(aggregation: string, query: WindowQuery = {}): Promise<WindowState[]> {
    return this.state.list(aggregation, query);
  }

  /** The aggregation's watermark: windows ending at or before it are closed (null before it started). */
  async watermark(aggregation: string): Promise<Date | null> {
    const mark = await this.state.mark(aggregation);
    return mark.watermark === -Infinity ? null : new Date(mark.watermark);
  }
}
