/** Quoting and schema qualification of the library's tables. Pure. */

export type SqlDialect = 'postgres' | 'sqlite';

/** `"name"`, with embedded quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"` when a Postgres schema is configured, else `"table"`. */
export function qualify(table: string, schema: string | undefined): string {
  return schema ? `${quoteIdent(schema)}.${quoteIdent(table)}` : quoteIdent(table);
}

/** The dialect of a TypeORM driver type; undefined for drivers the library does not support. */
export function dialectOf(type: unknown): SqlDialect | undefined {
  if (type === 'postgres') return 'postgres';
  if (type === 'better-sqlite3') return 'sqlite';
  return undefined;
}
