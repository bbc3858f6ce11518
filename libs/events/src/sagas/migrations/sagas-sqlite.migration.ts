import type { MigrationInterface, QueryRunner } from 'typeorm';
import { SAGAS_TABLE, SCHEDULES_TABLE } from '../saga.entities.js';
import { quoteIdent } from '../../persistence/sql-names.js';
import { sagasTableSql } from './sagas-tables.sql.js';

/** Creates `events_sagas` and `events_schedules` on SQLite (better-sqlite3). Add `sagasSqliteMigrations`. */
export class SagasSqliteInit1764200000000 implements MigrationInterface {
  readonly name = 'SagasSqliteInit1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of sagasTableSql(undefined)) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${quoteIdent(SCHEDULES_TABLE)}`);
    await queryRunner.query(`DROP TABLE ${quoteIdent(SAGAS_TABLE)}`);
  }
}

/** Migrations for SQLite (better-sqlite3), oldest first. */
export const sagasSqliteMigrations = [SagasSqliteInit1764200000000];
