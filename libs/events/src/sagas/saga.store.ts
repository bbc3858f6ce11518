import type { DataSource, EntityManager } from 'typeorm';
import { qualify, type SqlDialect } from '../persistence/sql-names.js';
import { SagaDatabase } from './saga.database.js';
import type { SagaInstance, SagaListFilter, SagaStatus } from './saga-definition.interface.js';
import { SAGAS_TABLE, type SagaRow } from './saga.entities.js';

/** A stored saga with the fields the engine needs besides the public ones. */
export interface SagaState extends SagaInstance {
  stepAttempt: number;
  received: Record<string, unknown>;
  lockedUntil: number | null;
}

/** Columns an update may change (data and received as values, serialized here). */
export type SagaChanges = Partial<
  Pick<SagaState, 'status' | 'data' | 'currentStep' | 'stepAttempt' | 'completedSteps' | 'received'>
> & { error?: string | null };

const COLUMNS: Record<keyof SagaChanges, string> = {
  status: 'status',
  data: 'data',
  currentStep: 'current_step',
  stepAttempt: 'step_attempt',
  completedSteps: 'completed_steps',
  received: 'received',
  error: 'error',
};
const JSON_KEYS = new Set<keyof SagaChanges>(['data', 'completedSteps', 'received']);

function toState(r: Record<string, unknown>): SagaState {
  const row = r as unknown as Record<string, string | number | null>;
  return {
    id: String(row.id),
    name: String(row.name),
    correlationId: String(row.correlation_key),
    status: row.status as SagaStatus,
    data: JSON.parse(String(row.data)) as unknown,
    currentStep: Number(row.current_step),
    stepAttempt: Number(row.step_attempt),
    completedSteps: JSON.parse(String(row.completed_steps)) as string[],
    received: row.received ? (JSON.parse(String(row.received)) as Record<string, unknown>) : {},
    ...(row.error ? { error: String(row.error) } : {}),
    version: Number(row.version),
    lockedUntil:
      row.locked_until === null || row.locked_until === undefined ? null : Number(row.locked_until),
    startedAt: new Date(Number(row.started_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

/** The public view of a stored saga. */
export function toInstance(s: SagaState): SagaInstance {
  const { stepAttempt: _a, received: _r, lockedUntil: _l, ...pub } = s;
  return pub;
}

/** Reads and writes `events_sagas` with plain SQL on Postgres or SQLite; every update checks the version. */
export class SagaStore extends SagaDatabase {
  private readonly table: string;

  constructor(dataSource: DataSource, dialect: SqlDialect, schema: string | undefined) {
    super(dataSource, dialect);
    this.table = qualify(SAGAS_TABLE, schema);
  }

  async insert(
    manager: EntityManager,
    s: Omit<SagaRow, 'version' | 'lockedUntil' | 'received' | 'error'>,
  ): Promise<void> {
    const cols = [
      'id',
      'name',
      'correlation_key',
      'status',
      'data',
      'current_step',
      'step_attempt',
      'completed_steps',
      'version',
      'started_at',
      'updated_at',
    ];
    const values = [
      s.id,
      s.name,
      s.correlationKey,
      s.status,
      s.data,
      s.currentStep,
      s.stepAttempt,
      s.completedSteps,
      0,
      s.startedAt,
      s.updatedAt,
    ];
    await manager.query(
      `INSERT INTO ${this.table} (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => this.p(i + 1)).join(', ')})`,
      values,
    );
  }

  async get(id: string, manager?: EntityManager): Promise<SagaState | undefined> {
    const rows = await this.query<Array<Record<string, unknown>>>(
      `SELECT * FROM ${this.table} WHERE "id" = ${this.p(1)}`,
      [id],
      manager,
    );
    return rows[0] ? toState(rows[0]) : undefined;
  }

  async list(filter: SagaListFilter = {}): Promise<SagaState[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.name) {
      params.push(filter.name);
      where.push(`"name" = ${this.p(params.length)}`);
    }
    const statuses =
      filter.status === undefined ? [] : Array.isArray(filter.status) ? filter.status : [filter.status];
    if (statuses.length > 0) {
      const marks = statuses.map((s) => (params.push(s), this.p(params.length)));
      where.push(`"status" IN (${marks.join(', ')})`);
    }
    const sql =
      `SELECT * FROM ${this.table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ` +
      `ORDER BY "started_at" DESC, "id" LIMIT ${Math.max(1, Math.floor(filter.limit ?? 100))}`;
    return (await this.query<Array<Record<string, unknown>>>(sql, params)).map(toState);
  }

  /** Sagas not yet final with this correlation key. */
  async byCorrelation(key: string): Promise<SagaState[]> {
    const rows = await this.query<Array<Record<string, unknown>>>(
      `SELECT * FROM ${this.table} WHERE "correlation_key" = ${this.p(1)} AND "status" IN ('running', 'waiting', 'compensating')`,
      [key],
    );
    return rows.map(toState);
  }

  /**
   * Takes the saga for `leaseMs` (version + 1, locked_until set) if it still has `version` and nobody holds
   * an unexpired lease. Returns the new version, or undefined when someone else moved or holds it.
   */
  async claim(id: string, version: number, leaseMs: number, now = Date.now()): Promise<number | undefined> {
    const sql =
      `UPDATE ${this.table} SET "version" = "version" + 1, "locked_until" = ${this.p(1)} ` +
      `WHERE "id" = ${this.p(2)} AND "version" = ${this.p(3)} AND ("locked_until" IS NULL OR "locked_until" < ${this.p(4)})`;
    const affected = await this.affected(sql, [now + leaseMs, id, version, now]);
    return affected === 1 ? version + 1 : undefined;
  }

  /**
   * Moves the lease of a claimed saga forward (while the row still has the claimed `version` and a lease);
   * true when it did. Called periodically while a step runs (SagaLeaseKeeper).
   */
  async renew(id: string, version: number, leaseMs: number, now = Date.now()): Promise<boolean> {
    const sql =
      `UPDATE ${this.table} SET "locked_until" = ${this.p(1)} ` +
      `WHERE "id" = ${this.p(2)} AND "version" = ${this.p(3)} AND "locked_until" IS NOT NULL`;
    return (await this.affected(sql, [now + leaseMs, id, version])) === 1;
  }

  /** Gives up the lease of a claimed saga (its step failed before a transition could commit). */
  async release(id: string, version: number): Promise<boolean> {
    const sql =
      `UPDATE ${this.table} SET "locked_until" = NULL ` +
      `WHERE "id" = ${this.p(1)} AND "version" = ${this.p(2)} AND "locked_until" IS NOT NULL`;
    return (await this.affected(sql, [id, version])) === 1;
  }

  /** Applies `changes` (and clears the lease) iff the row still has `version`; true when it did. */
  async update(manager: EntityManager, id: string, version: number, changes: SagaChanges): Promise<boolean> {
    const sets: string[] = [];
    const params: unknown[] = [];
    for (const [key, value] of Object.entries(changes) as Array<[keyof SagaChanges, unknown]>) {
      params.push(JSON_KEYS.has(key) ? JSON.stringify(value) : (value ?? null));
      sets.push(`"${COLUMNS[key]}" = ${this.p(params.length)}`);
    }
    params.push(Date.now(), id, version);
    const n = params.length;
    const sql =
      `UPDATE ${this.table} SET ${sets.join(', ')}${sets.length ? ', ' : ''}"version" = "version" + 1, ` +
      `"locked_until" = NULL, "updated_at" = ${this.p(n - 2)} WHERE "id" = ${this.p(n - 1)} AND "version" = ${this.p(n)}`;
    return (await this.affected(sql, params, manager)) === 1;
  }

  /** Rows an UPDATE changed (RETURNING works on Postgres and SQLite >= 3.35 alike). */
  private async affected(sql: string, params: unknown[], manager?: EntityManager): Promise<number> {
    const res = await this.query<unknown[]>(`${sql} RETURNING "id"`, params, manager);
    if (this.dialect === 'postgres') return Number(res[1]);
    return res.length;
  }
}
