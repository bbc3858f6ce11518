import type { EntityManager } from 'typeorm';
import { qualify } from '../persistence/sql-names.js';
import { SCHEDULES_TABLE } from './saga.entities.js';
import type { SagaStore } from './saga.store.js';

/** A recurring event as `EventScheduler.list()` shows it. */
export interface Schedule<T = unknown> {
  name: string;
  type: string;
  data: T;
  intervalMs: number;
  /** Number of the next tick (1-based); ticks fired so far = nextTick - 1. */
  nextTick: number;
  nextAt: Date;
  createdAt: Date;
}

function toSchedule(r: Record<string, unknown>): Schedule {
  return {
    name: String(r.name),
    type: String(r.event_type),
    data: JSON.parse(String(r.data)) as unknown,
    intervalMs: Number(r.interval_ms),
    nextTick: Number(r.next_tick),
    nextAt: new Date(Number(r.next_at)),
    createdAt: new Date(Number(r.created_at)),
  };
}

/** SQL on `events_schedules`, through the saga store's DataSource (and its SQLite serialization). */
export class ScheduleStore {
  private readonly table: string;

  constructor(private readonly store: SagaStore) {
    const schema = (store.dataSource.options as { schema?: string }).schema;
    this.table = qualify(SCHEDULES_TABLE, store.dialect === 'postgres' ? schema : undefined);
  }

  private p(i: number): string {
    return this.store.dialect === 'postgres' ? `$${i}` : '?';
  }

  async get(name: string, manager?: EntityManager): Promise<Schedule | undefined> {
    const rows = await this.store.query<Array<Record<string, unknown>>>(
      `SELECT * FROM ${this.table} WHERE "name" = ${this.p(1)}`,
      [name],
      manager,
    );
    return rows[0] ? toSchedule(rows[0]) : undefined;
  }

  async list(): Promise<Schedule[]> {
    const rows = await this.store.query<Array<Record<string, unknown>>>(
      `SELECT * FROM ${this.table} ORDER BY "name"`,
      [],
    );
    return rows.map(toSchedule);
  }

  async insert(manager: EntityManager, s: Schedule): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.table} ("name", "event_type", "data", "interval_ms", "next_tick", "next_at", "version", "created_at") ` +
        `VALUES (${[1, 2, 3, 4, 5, 6, 7, 8].map((i) => this.p(i)).join(', ')})`,
      [
        s.name,
        s.type,
        JSON.stringify(s.data ?? null),
        s.intervalMs,
        s.nextTick,
        s.nextAt.getTime(),
        0,
        s.createdAt.getTime(),
      ],
    );
  }

  /** Changes what a schedule sends and how often, from its next tick on. */
  async redefine(
    manager: EntityManager,
    name: string,
    type: string,
    data: unknown,
    intervalMs: number,
  ): Promise<void> {
    await manager.query(
      `UPDATE ${this.table} SET "event_type" = ${this.p(1)}, "data" = ${this.p(2)}, "interval_ms" = ${this.p(3)}, "version" = "version" + 1 WHERE "name" = ${this.p(4)}`,
      [type, JSON.stringify(data ?? null), intervalMs, name],
    );
  }

  /** Claims tick `tick` (moves the schedule to tick + 1 at `nextAt`); true for exactly one claimer. */
  async claimTick(manager: EntityManager, name: string, tick: number, nextAt: number): Promise<boolean> {
    const res = await manager.query(
      `UPDATE ${this.table} SET "next_tick" = ${this.p(1)}, "next_at" = ${this.p(2)}, "version" = "version" + 1 ` +
        `WHERE "name" = ${this.p(3)} AND "next_tick" = ${this.p(4)} RETURNING "name"`,
      [tick + 1, nextAt, name, tick],
    );
    return this.store.dialect === 'postgres'
      ? Number((res as unknown[])[1]) === 1
      : (res as unknown[]).length === 1;
  }

  async delete(name: string): Promise<boolean> {
    const res = await this.store.query<unknown[]>(
      `DELETE FROM ${this.table} WHERE "name" = ${this.p(1)} RETURNING "name"`,
      [name],
    );
    return this.store.dialect === 'postgres' ? Number(res[1]) > 0 : res.length > 0;
  }
}
