import type { EntityManager } from 'typeorm';
import type { EventStoreDatabase } from './event-store.database.js';

export interface StoredSnapshot {
  streamId: string;
  aggregateType: string;
  version: number;
  schemaVersion: number;
  state: unknown;
}

/** The latest snapshot per stream (`events_snapshots`). */
export class SnapshotStore {
  constructor(private readonly db: EventStoreDatabase) {}

  async get(streamId: string, manager?: EntityManager): Promise<StoredSnapshot | undefined> {
    const rows = await this.db.query<{
      aggregate_type: string;
      version: string | number;
      schema_version: string | number;
      state: string;
    }>(
      `SELECT "aggregate_type", "version", "schema_version", "state" FROM ${this.db.snapshots} WHERE "stream_id" = $1`,
      [streamId],
      manager,
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      streamId,
      aggregateType: r.aggregate_type,
      version: Number(r.version),
      schemaVersion: Number(r.schema_version),
      state: JSON.parse(r.state) as unknown,
    };
  }

  /** Writes (or replaces) the stream's snapshot; never moves it backwards. */
  async put(s: StoredSnapshot, manager: EntityManager): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.db.snapshots} ("stream_id", "aggregate_type", "version", "schema_version", "state", "taken_at") VALUES ($1, $2, $3, $4, $5, $6) ` +
        `ON CONFLICT ("stream_id") DO UPDATE SET "aggregate_type" = excluded."aggregate_type", "version" = excluded."version", ` +
        `"schema_version" = excluded."schema_version", "state" = excluded."state", "taken_at" = excluded."taken_at" ` +
        `WHERE ${this.db.snapshots}."version" <= excluded."version"`,
      [s.streamId, s.aggregateType, s.version, s.schemaVersion, JSON.stringify(s.state ?? null), Date.now()],
      manager,
    );
  }
}
