import type { DataSource } from 'typeorm';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { PersistenceSetupError } from '../errors/persistence-setup.error.js';
import { dialectOf, qualify } from '../persistence/sql-names.js';
import { SAGAS_TABLE, SCHEDULES_TABLE } from './saga.entities.js';
import { SagaStore } from './saga.store.js';

function isDataSource(value: unknown): value is DataSource {
  const ds = value as Partial<DataSource> | null;
  return (
    !!ds && typeof ds === 'object' && typeof ds.transaction === 'function' && typeof ds.options === 'object'
  );
}

/** Opens the saga store on `dataSource` (initialized if needed, never synchronized), checking its tables. */
export async function openSagaStore(dataSource: unknown): Promise<SagaStore> {
  if (!isDataSource(dataSource))
    throw new InvalidOptionsError('SagasModule.dataSource', 'expected a TypeORM DataSource');
  const dialect = dialectOf((dataSource.options as { type?: unknown }).type);
  if (!dialect)
    throw new InvalidOptionsError('SagasModule.dataSource', "type must be 'postgres' or 'better-sqlite3'");
  if (!dataSource.isInitialized) await dataSource.initialize();
  const schema = dialect === 'postgres' ? (dataSource.options as { schema?: string }).schema : undefined;
  for (const table of [SAGAS_TABLE, SCHEDULES_TABLE]) {
    try {
      await dataSource.query(`SELECT 1 FROM ${qualify(table, schema)} WHERE 1 = 0`);
    } catch (e) {
      throw new PersistenceSetupError(
        `table ${qualify(table, schema)} is missing: add ${dialect === 'postgres' ? 'sagasPostgresMigrations' : 'sagasSqliteMigrations'} ` +
          `(from 'nestjs-amqp-events/sagas') to the DataSource's migrations and run them (${(e as Error).message})`,
        { cause: e },
      );
    }
  }
  return new SagaStore(dataSource, dialect, schema);
}
