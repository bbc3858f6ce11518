import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent } from '../../persistence/sql-names.js';
import { PROJECTIONS_TABLE, SNAPSHOTS_TABLE, STORE_TABLE } from '../event-store.entities.js';

/**
 * Creates `events_store`, `events_snapshots` and `events_projections` on SQLite (better-sqlite3). Add
 * `eventStoreSqliteMigrations` to your DataSource's `migrations`.
 */
export class EventStoreSqliteInit1764000000000 implements MigrationInterface {
  readonly name = 'EventStoreSqliteInit1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const store = quoteIdent(STORE_TABLE);
    await queryRunner.query(
      `CREATE TABLE ${store} ("position" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "event_id" varchar(255) NOT NULL, ` +
        `"stream_id" varchar(255) NOT NULL, "version" integer NOT NULL, "type" varchar(255) NOT NULL, ` +
        `"schema_version" integer NOT NULL, "data" text NOT NULL, "metadata" text NOT NULL, "correlation_id" varchar(255), ` +
        `"causation_id" varchar(255), "recorded_at" bigint NOT NULL, CONSTRAINT "UQ_events_store_event_id" UNIQUE ("event_id"), ` +
        `CONSTRAINT "UQ_events_store_stream_version" UNIQUE ("stream_id", "version"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_events_store_type" ON ${store} ("type", "position")`);
    await queryRunner.query(`CREATE INDEX "IDX_events_store_correlation" ON ${store} ("correlation_id")`);
    await queryRunner.query(
      `CREATE TABLE ${quoteIdent(SNAPSHOTS_TABLE)} ("stream_id" varchar(255) PRIMARY KEY NOT NULL, ` +
        `"aggregate_type" varchar(255) NOT NULL, "version" integer NOT NULL, "schema_version" integer NOT NULL, ` +
        `"state" text NOT NULL, "taken_at" bigint NOT NULL)`,
    );
    await queryRunner.query(
      `CREATE TABLE ${quoteIdent(PROJECTIONS_TABLE)} ("name" varchar(255) PRIMARY KEY NOT NULL, "position" bigint NOT NULL, ` +
        `"state" varchar(32) NOT NULL, "error" text, "lease_owner" varchar(255), "lease_until" bigint, "updated_at" bigint NOT NULL)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${quoteIdent(PROJECTIONS_TABLE)}`);
    await queryRunner.query(`DROP TABLE ${quoteIdent(SNAPSHOTS_TABLE)}`);
    await queryRunner.query(`DROP TABLE ${quoteIdent(STORE_TABLE)}`);
  }
}

/** Event-store migrations for SQLite, oldest first (run after `eventsSqliteMigrations`). */
export const eventStoreSqliteMigrations = [EventStoreSqliteInit1764000000000];
