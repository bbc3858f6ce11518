import type { EntityManager } from 'typeorm';
import type { EventStoreDatabase } from './event-store.database.js';

export type ProjectionState = 'running' | 'failed' | 'rebuild-requested';

export interface ProjectionRow {
  name: string;
  position: number;
  state: ProjectionState;
  error: string | null;
  leaseOwner: string | null;
  leaseUntil: number | null;
}

interface RawRow {
  name: string;
  position: string | number;
  state: string;
  error: string | null;
  lease_owner: string | null;
  lease_until: string | number | null;
}

const COLS = '"name", "position", "state", "error", "lease_owner", "lease_until"';

/** TypeORM returns `[rows, affected]` for UPDATE ... RETURNING on Postgres, the rows on SQLite. */
function rowsOf(result: unknown): RawRow[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  )
    return result[0] as RawRow[];
  return Array.isArray(result) ? (result as RawRow[]) : [];
}

function decode(r: RawRow): ProjectionRow {
  return {
    name: r.name,
    position: Number(r.position),
    state: r.state as ProjectionState,
    error: r.error,
    leaseOwner: r.lease_owner,
    leaseUntil: r.lease_until === null ? null : Number(r.lease_until),
  };
}

/**
 * Checkpoints, states and leases of projections (`events_projections`). A batch commits only through
 * `advance()`, a compare-and-set on (lease owner, previous position): a projector that lost its lease or
 * whose checkpoint was reset rolls its batch back.
 */
export class ProjectionCheckpointStore {
  constructor(private readonly db: EventStoreDatabase) {}

  async ensure(name: string): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.db.projections} ("name", "position", "state", "updated_at") VALUES ($1, 0, 'running', $2) ON CONFLICT ("name") DO NOTHING`,
      [name, Date.now()],
    );
  }

  async list(): Promise<ProjectionRow[]> {
    return rowsOf(await this.db.query(`SELECT ${COLS} FROM ${this.db.projections} ORDER BY "name"`)).map(
      decode,
    );
  }

  async get(name: string, manager?: EntityManager): Promise<ProjectionRow | undefined> {
    const rows = rowsOf(
      await this.db.query(`SELECT ${COLS} FROM ${this.db.projections} WHERE "name" = $1`, [name], manager),
    );
    return rows[0] ? decode(rows[0]) : undefined;
  }

  /** Takes or renews the lease (free, ours, or expired); the row when we hold it. */
  async acquire(name: string, owner: string, leaseMs: number): Promise<ProjectionRow | undefined> {
    const now = Date.now();
    const rows = rowsOf(
      await this.db.query(
        `UPDATE ${this.db.projections} SET "lease_owner" = $1, "lease_until" = $2 WHERE "name" = $3 AND ` +
          `("lease_owner" IS NULL OR "lease_owner" = $4 OR "lease_until" < $5) RETURNING ${COLS}`,
        [owner, now + leaseMs, name, owner, now],
      ),
    );
    return rows[0] ? decode(rows[0]) : undefined;
  }

  async release(name: string, owner: string): Promise<void> {
    await this.db.query(
      `UPDATE ${this.db.projections} SET "lease_owner" = NULL, "lease_until" = NULL WHERE "name" = $1 AND "lease_owner" = $2`,
      [name, owner],
    );
  }

  /** Locks the row for this batch's transaction if we still own it at `from`; false otherwise. */
  async claim(m: EntityManager, name: string, owner: string, from: number): Promise<boolean> {
    const rows = rowsOf(
      await this.db.query(
        `UPDATE ${this.db.projections} SET "updated_at" = $1 WHERE "name" = $2 AND "lease_owner" = $3 AND "position" = $4 AND "state" = 'running' RETURNING ${COLS}`,
        [Date.now(), name, owner, from],
        m,
      ),
    );
    return rows.length === 1;
  }

  async advance(m: EntityManager, name: string, to: number): Promise<void> {
    await this.db.query(
      `UPDATE ${this.db.projections} SET "position" = $1, "updated_at" = $2 WHERE "name" = $3`,
      [to, Date.now(), name],
      m,
    );
  }

  async fail(name: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE ${this.db.projections} SET "state" = 'failed', "error" = $1, "updated_at" = $2 WHERE "name" = $3`,
      [error, Date.now(), name],
    );
  }

  /** Checkpoint to zero, state running, error cleared (in the rebuild transaction, with the reset hook). */
  async reset(m: EntityManager, name: string): Promise<void> {
    await this.db.query(
      `UPDATE ${this.db.projections} SET "position" = 0, "state" = 'running', "error" = NULL, "updated_at" = $1 WHERE "name" = $2`,
      [Date.now(), name],
      m,
    );
  }

  async setState(name: string, state: ProjectionState): Promise<void> {
    await this.db.query(
      `UPDATE ${this.db.projections} SET "state" = $1, "error" = NULL, "updated_at" = $2 WHERE "name" = $3`,
      [state, Date.now(), name],
    );
  }
}
