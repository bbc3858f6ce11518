import type { MigrationInterface, QueryRunner } from 'typeorm';
import { qualify } from '../../persistence/sql-names.js';
import { PROJECTIONS_TABLE, SNAPSHOTS_TABLE, STORE_TABLE } from '../event-store.entities.js';

function schemaOf(queryRunner: QueryRunner): string | undefined {
  return (queryRunner.dataSource.options as { schema?: string }).schema;
}

/**
 * Creates `events_store`, `events_snapshots` and `events_projections` on PostgreSQL (in the DataSource's
 * `schema` when one is set). Add `eventStorePostgresMigrations` to your DataSource's `migrations`.
 */
export class EventStorePostgresInit1764000000000 implements MigrationInterface {
  readonly name = 'EventStorePostgresInit1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    const store = qualify(STORE_TABLE, schema);
    await queryRunner.query(
      `CREATE TABLE ${store} ("position" BIGSERIAL NOT NULL, "event_id" character varying(255) NOT NULL, ` +
        `"stream_id" character varying(255) NOT NULL, "version" integer NOT NULL, "type" character varying(255) NOT NULL, ` +
        `"schema_version" integer NOT NULL, "data" text NOT NULL, "metadata" text NOT NULL, ` +
        `"correlation_id" character varying(255), "causation_id" character varying(255), "recorded_at" bigint NOT NULL, ` +
        `CONSTRAINT "PK_events_store" PRIMARY KEY ("position"), CONSTRAINT "UQ_events_store_event_id" UNIQUE ("event_id"), ` +
        `CONSTRAINT "UQ_events_store_stream_version" UNIQUE ("stream_id", "version"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_events_store_type" ON ${store} ("type", "position")`);
    await queryRunner.query(`CREATE INDEX "IDX_events_store_correlation" ON ${store} ("correlation_id")`);
    await queryRunner.query(
      `CREATE TABLE ${qualify(SNAPSHOTS_TABLE, schema)} ("stream_id" character varying(255) NOT NULL, ` +
        `"aggregate_type" character varying(255) NOT NULL, "version" integer NOT NULL, "schema_version" integer NOT NULL, ` +
        `"state" text NOT NULL, "taken_at" bigint NOT NULL, CONSTRAINT "PK_events_snapshots" PRIMARY KEY ("stream_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE ${qualify(PROJECTIONS_TABLE, schema)} ("name" character varying(255) NOT NULL, "position" bigint NOT NULL, ` +
        `"state" character varying(32) NOT NULL, "error" text, "lease_owner" character varying(255), "lease_until" bigint, ` +
        `"updated_at" bigint NOT NULL, CONSTRAINT "PK_events_projections" PRIMARY KEY ("name"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE ${qualify(PROJECTIONS_TABLE, schema)}`);
    await queryRunner.query(`DROP TABLE ${qualify(SNAPSHOTS_TABLE, schema)}`);
    await queryRunner.query(`DROP TABLE ${qualify(STORE_TABLE, schema)}`);
  }
}

/** Event-store migrations for PostgreSQL, oldest first (run after `eventsPostgresMigrations`). */
export const eventStorePostgresMigrations = [EventStorePostgresInit1764000000000];
