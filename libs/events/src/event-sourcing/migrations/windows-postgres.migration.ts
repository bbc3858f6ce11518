import type { MigrationInterface, QueryRunner } from 'typeorm';
import { qualify } from '../../persistence/sql-names.js';
import { WINDOW_MARKS_TABLE, WINDOWS_TABLE } from '../windows/windows.entities.js';

function schemaOf(queryRunner: QueryRunner): string | undefined {
  return (queryRunner.dataSource.options as { schema?: string }).schema;
}

/**
 * Creates `events_windows` and `events_window_marks` (windowed aggregations) on PostgreSQL, in the
 * DataSource's `schema` when one is set. Add `eventWindowsPostgresMigrations` to your DataSource's
 * `migrations`, after `eventStorePostgresMigrations`.
 */
export class EventWindowsPostgresInit1765000000000 implements MigrationInterface {
  readonly name = 'EventWindowsPostgresInit1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    const windows = qualify(WINDOWS_TABLE, schema);
    await queryRunner.query(
      `CREATE TABLE ${windows} ("aggregation" character varying(255) NOT NULL, "window_key" character varying(255) NOT NULL, ` +
        `"window_start" bigint NOT NULL, "window_end" bigint NOT NULL, "event_count" bigint NOT NULL, ` +
        `"value_sum" double precision NOT NULL, "late_count" bigint NOT NULL, "late_sum" double precision NOT NULL, ` +
        `"state" character varying(16) NOT NULL, "updated_at" bigint NOT NULL, "closed_at" bigint, ` +
        `CONSTRAINT "PK_events_windows" PRIMARY KEY ("aggregation", "window_key", "window_start"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_events_windows_due" ON ${windows} ("aggregation", "state", "window_end")`,
    );
    await queryRunner.query(
      `CREATE TABLE ${qualify(WINDOW_MARKS_TABLE, schema)} ("aggregation" character varying(255) NOT NULL, ` +
        `"watermark" bigint NOT NULL, "max_event_time" bigint, "updated_at" bigint NOT NULL, ` +
        `CONSTRAINT "PK_events_window_marks" PRIMARY KEY ("aggregation"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE ${qualify(WINDOW_MARKS_TABLE, schema)}`);
    await queryRunner.query(`DROP TABLE ${qualify(WINDOWS_TABLE, schema)}`);
  }
}

/** Windowed-aggregation migrations for PostgreSQL, oldest first (run after `eventStorePostgresMigrations`). */
export const eventWindowsPostgresMigrations = [EventWindowsPostgresInit1765000000000];
