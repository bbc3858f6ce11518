import type { MigrationInterface, QueryRunner } from 'typeorm';
import { INBOX_TABLE, OUTBOX_TABLE } from '../events.entities.js';
import { quoteIdent } from '../sql-names.js';

/**
 * Creates `events_inbox` and `events_outbox` on SQLite (better-sqlite3). Add `eventsSqliteMigrations` to
 * your DataSource's `migrations`.
 */
export class EventsSqliteInit1751328000000 implements MigrationInterface {
  readonly name = 'EventsSqliteInit1751328000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const inbox = quoteIdent(INBOX_TABLE);
    const outbox = quoteIdent(OUTBOX_TABLE);
    await queryRunner.query(
      `CREATE TABLE ${inbox} ("event_id" varchar(255) NOT NULL, "consumer" varchar(255) NOT NULL, ` +
        `"processed_at" bigint NOT NULL, PRIMARY KEY ("event_id", "consumer"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_events_inbox_processed_at" ON ${inbox} ("processed_at")`);
    await queryRunner.query(
      `CREATE TABLE ${outbox} ("id" bigint PRIMARY KEY NOT NULL, "event_id" varchar(255) NOT NULL, ` +
        `"event_type" varchar(255) NOT NULL, "correlation_id" varchar(255), "envelope" text NOT NULL, ` +
        `"payload" text NOT NULL, "delay_ms" bigint NOT NULL, "created_at" bigint NOT NULL, "sent_at" bigint)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_events_outbox_pending" ON ${outbox} ("id") WHERE "sent_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_events_outbox_pending_correlation" ON ${outbox} ("correlation_id", "id") WHERE "sent_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_events_outbox_sent_at" ON ${outbox} ("sent_at") WHERE "sent_at" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${quoteIdent(OUTBOX_TABLE)}`);
    await queryRunner.query(`DROP TABLE ${quoteIdent(INBOX_TABLE)}`);
  }
}

/** Migrations for SQLite (better-sqlite3), oldest first. */
export const eventsSqliteMigrations = [EventsSqliteInit1751328000000];
