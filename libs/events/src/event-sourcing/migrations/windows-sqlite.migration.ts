import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent } from '../../persistence/sql-names.js';
import { WINDOW_MARKS_TABLE, WINDOWS_TABLE } from '../windows/windows.entities.js';

/**
 * Creates `events_windows` and `events_window_marks` (windowed aggregations) on SQLite (better-sqlite3).
 * Add `eventWindowsSqliteMigrations` to your DataSource's `migrations`, after `eventStoreSqliteMigrations`.
 */
export class EventWindowsSqliteInit1765000000000 implements MigrationInterface {
  readonly name = 'EventWindowsSqliteInit1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const windows = quoteIdent(WINDOWS_TABLE);
    await queryRunner.query(
      `CREATE TABLE ${windows} ("aggregation" varchar(255) NOT NULL, "window_key" varchar(255) NOT NULL, ` +
        `"window_start" bigint NOT NULL, "window_end" bigint NOT NULL, "event_count" bigint NOT NULL, ` +
        `"value_sum" double precision NOT NULL, "late_count" bigint NOT NULL, "late_sum" double precision NOT NULL, ` +
        `"state" varchar(16) NOT NULL, "updated_at" bigint NOT NULL, "closed_at" bigint, ` +
        `CONSTRAINT "PK_events_windows" PRIMARY KEY ("aggregation", "window_key", "window_start"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_events_windows_due" ON ${windows} ("aggregation", "state", "window_end")`,
    );
    await queryRunner.query(
      `CREATE TABLE ${quoteIdent(WINDOW_MARKS_TABLE)} ("aggregation" varchar(255) PRIMARY KEY NOT NULL, ` +
        `"watermark" bigint NOT NULL, "max_event_time" bigint, "updated_at" bigint NOT NULL)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${quoteIdent(WINDOW_MARKS_TABLE)}`);
    await queryRunner.query(`DROP TABLE ${quoteIdent(WINDOWS_TABLE)}`);
  }
}

/** Windowed-aggregation migrations for SQLite, oldest first (run after `eventStoreSqliteMigrations`). */
export const eventWindowsSqliteMigrations = [EventWindowsSqliteInit1765000000000];
