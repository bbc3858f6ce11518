import { qualify } from '../../persistence/sql-names.js';
import { SAGAS_TABLE, SCHEDULES_TABLE } from '../saga.entities.js';

/** DDL of the saga tables; the same text is valid on Postgres and SQLite. Pure. */
export function sagasTableSql(schema: string | undefined): string[] {
  const sagas = qualify(SAGAS_TABLE, schema);
  const schedules = qualify(SCHEDULES_TABLE, schema);
  return [
    `CREATE TABLE ${sagas} ("id" varchar(255) NOT NULL, "name" varchar(255) NOT NULL, ` +
      `"correlation_key" varchar(255) NOT NULL, "status" varchar(16) NOT NULL, "data" text NOT NULL, ` +
      `"current_step" integer NOT NULL, "step_attempt" integer NOT NULL, "completed_steps" text NOT NULL, ` +
      `"received" text, "error" text, "version" integer NOT NULL, "locked_until" bigint, ` +
      `"started_at" bigint NOT NULL, "updated_at" bigint NOT NULL, CONSTRAINT "PK_events_sagas" PRIMARY KEY ("id"))`,
    `CREATE INDEX "IDX_events_sagas_status" ON ${sagas} ("status", "name")`,
    `CREATE INDEX "IDX_events_sagas_correlation" ON ${sagas} ("correlation_key")`,
    `CREATE TABLE ${schedules} ("name" varchar(255) NOT NULL, "event_type" varchar(255) NOT NULL, ` +
      `"data" text NOT NULL, "interval_ms" bigint NOT NULL, "next_tick" bigint NOT NULL, "next_at" bigint NOT NULL, ` +
      `"version" integer NOT NULL, "created_at" bigint NOT NULL, CONSTRAINT "PK_events_schedules" PRIMARY KEY ("name"))`,
  ];
}
