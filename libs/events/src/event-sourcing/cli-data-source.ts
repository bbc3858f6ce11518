import { DataSource, type DataSourceOptions } from 'typeorm';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';

/**
 * The DataSource options of an operator command: a `postgres://` / `postgresql://` URL (with an optional
 * schema), or the path of a SQLite file. Pure.
 */
export function cliDataSourceOptions(url: string | undefined, schema?: string): DataSourceOptions {
  if (!url)
    throw new InvalidOptionsError(
      'EVENTS_DB_URL',
      'set it (or --db) to a postgres:// URL or a SQLite file path',
    );
  if (/^postgres(ql)?:\/\//.test(url))
    return { type: 'postgres', url, schema: schema || undefined, poolSize: 2 } as DataSourceOptions;
  if (url.startsWith(':memory:'))
    throw new InvalidOptionsError('EVENTS_DB_URL', 'an in-memory SQLite database has no events to show');
  return { type: 'better-sqlite3', database: url } as DataSourceOptions;
}

/** Opens (initializes) the DataSource of an operator command; the caller destroys it. */
export async function openCliDataSource(url: string | undefined, schema?: string): Promise<DataSource> {
  const ds = new DataSource(cliDataSourceOptions(url, schema));
  await ds.initialize();
  return ds;
}
