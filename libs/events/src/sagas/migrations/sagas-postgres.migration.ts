import type { MigrationInterface, QueryRunner } from 'typeorm';
import { SAGAS_TABLE, SCHEDULES_TABLE } from '../saga.entities.js';
import { quoteIdent } from '../../persistence/sql-names.js';
import { sagasTableSql } from './sagas-tables.sql.js';

/**
 * Creates `events_sagas` and `events_schedules` on Postgres (in the DataSource's schema, if set). Add
 * `sagasPostgresMigrations` to your DataSource's `migrations`, after the events migrations.
 */
export class SagasPostgresInit1764200000000 implements MigrationInterface {
  readonly name = 'SagasPostgresInit1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema?: string }).schema;
    for (const sql of sagasTableSql(schema)) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema?: string }).schema;
    const q = (t: string) => (schema ? `${quoteIdent(schema)}.${quoteIdent(t)}` : quoteIdent(t));
    await queryRunner.query(`DROP TABLE ${q(SCHEDULES_TABLE)}`);
    await queryRunner.query(`DROP TABLE ${q(SAGAS_TABLE)}`);
  }
}

/** Migrations for Postgres, oldest first. */
export const sagasPostgresMigrations = [SagasPostgresInit1764200000000];
