import { TransientError } from '../errors/transient.error.js';
import type { PgClient, PersistenceDatabase } from './persistence-database.js';

/**
 * The inbox for `idempotent` handlers without `transactional` on Postgres, on a raw pool client: the
 * handler gets no EntityManager, so TypeORM's transaction bookkeeping is not needed and the claim costs one
 * round trip (`BEGIN; INSERT ... ON CONFLICT DO NOTHING` as one simple query, values escaped by the driver)
 * instead of two. Same semantics as TypeOrmInboxStore.process(): a concurrent copy waits on the unique key.
 * Returns undefined when no raw client is available (the caller then takes the TypeORM path).
 */
export async function processOnPostgresClient(
  db: PersistenceDatabase,
  key: string,
  consumer: string,
  work: () => Promise<void>,
): Promise<'processed' | 'duplicate' | undefined> {
  let lease: Awaited<ReturnType<PersistenceDatabase['pgClient']>>;
  try {
    lease = await db.pgClient();
  } catch (e) {
    throw new TransientError(
      `the inbox is unavailable (${(e as Error).message}); the event is retried later`,
      { cause: e },
    );
  }
  if (!lease) return undefined;
  const { client } = lease;
  let broken: unknown;
  // a connection that dies between our queries (e.g. while the handler runs) is reported as an 'error'
  // event on the client: without a listener it would crash the process
  const onError = (e: Error) => (broken ??= e);
  guard(client);
  client.on('error', onError);
  const rollback = () => client.query('ROLLBACK').catch((e: unknown) => (broken ??= e));
  try {
    let inserted: boolean;
    try {
      const results = (await client.query(claimSql(db, client, key, consumer))) as Array<{
        rowCount: number | null;
      }>;
      inserted = (results[1]?.rowCount ?? 0) > 0;
    } catch (e) {
      broken = e;
      throw new TransientError(
        `the inbox is unavailable (${(e as Error).message}); the event is retried later`,
        { cause: e },
      );
    }
    if (!inserted) {
      await rollback();
      return 'duplicate';
    }
    try {
      await work();
    } catch (e) {
      await rollback();
      throw e;
    }
    try {
      await client.query('COMMIT');
    } catch (e) {
      broken = e;
      throw new TransientError(
        `the inbox transaction could not commit (${(e as Error).message}); the event is retried and the inbox decides`,
        { cause: e },
      );
    }
    return 'processed';
  } finally {
    client.off('error', onError);
    // a client whose connection failed is discarded by the pool, never reused mid-transaction
    lease.release(broken);
  }
}

const guarded = new WeakSet<PgClient>();

/**
 * Gives a pool client we lease one permanent 'error' listener (once per client). node-postgres emits
 * 'error' on a client whose connection the server ends (e.g. `pg_terminate_backend`) while no query
 * runs; the pool only listens while the client is idle in it, so a client being released with an
 * error, or destroyed by the pool after our lease, would otherwise crash the process. Outside a lease
 * the error is the pool's business (it discards the client), so it is ignored here.
 */
function guard(client: PgClient): void {
  if (guarded.has(client)) return;
  guarded.add(client);
  client.on('error', (e: Error) => void e);
}

function claimSql(db: PersistenceDatabase, client: PgClient, key: string, consumer: string): string {
  const values = `${client.escapeLiteral(key)}, ${client.escapeLiteral(consumer)}, ${Date.now()}`;
  return `BEGIN; INSERT INTO ${db.sql.inbox} ("event_id", "consumer", "processed_at") VALUES (${values}) ON CONFLICT DO NOTHING`;
}
