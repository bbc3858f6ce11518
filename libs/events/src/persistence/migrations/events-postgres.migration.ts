import type { MigrationInterface, QueryRunner } from 'typeorm';
import { INBOX_TABLE, OUTBOX_SEQUENCE, OUTBOX_TABLE } from '../events.entities.js';
import { qualify } from '../sql-names.js';

function schemaOf(queryRunner: QueryRunner): string | undefined {
  return (queryRunner.dataSource.options as { schema?: string }).schema;
}

/**
 * Creates `events_inbox`, `events_outbox` and the outbox id sequence on PostgreSQL (in the DataSource's
 * `schema` when one is set). Add `eventsPostgresMigrations` to your DataSource's `migrations`.
 */
export class EventsPostgresInit1751328000000 implements MigrationInterface {
  readonly name = 'EventsPostgresInit1751328000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    const inbox = qualify(INBOX_TABLE, schema);
    const outbox = qualify(OUTBOX_TABLE, schema);
    await queryRunner.query(
      `CREATE TABLE ${inbox} ("event_id" character varying(255) NOT NULL, "consumer" character varying(255) NOT NULL, ` +
        `"processed_at" bigint NOT NULL, CONSTRAINT "PK_events_inbox" PRIMARY KEY ("event_id", "consumer"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_events_inbox_processed_at" ON ${inbox} ("processed_at")`);
    await queryRunner.query(`CREATE SEQUENCE ${qualify(OUTBOX_SEQUENCE, schema)} AS bigint`);
    await queryRunner.query(
      `CREATE TABLE ${outbox} ("id" bigint NOT NULL, "event_id" character varying(255) NOT NULL, ` +
        `"event_type" character varying(255) NOT NULL, "correlation_id" character varying(255), "envelope" text NOT NULL, ` +
        `"payload" text NOT NULL, "delay_ms" bigint NOT NULL, "created_at" bigint NOT NULL, "sent_at" bigint, ` +
        `CONSTRAINT "PK_events_outbox" PRIMARY KEY ("id"))`,
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
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE ${qualify(OUTBOX_TABLE, schema)}`);
    await queryRunner.query(`DROP SEQUENCE ${qualify(OUTBOX_SEQUENCE, schema)}`);
    await queryRunner.query(`DROP TABLE ${qualify(INBOX_TABLE, schema)}`);
  }
}

/** Migrations for PostgreSQL, oldest first. */
export const eventsPostgresMigrations = [EventsPostgresInit1751328000000];
