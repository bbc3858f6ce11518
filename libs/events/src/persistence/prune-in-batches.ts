import type { PersistenceDatabase } from './persistence-database.js';

/**
 * Runs a bounded DELETE (`query` with params [cutoff, batchSize]) until it deletes less than a batch, pausing
 * between batches so pruning never holds locks for long or starves other work. Returns the rows deleted.
 */
export async function pruneInBatches(
  db: PersistenceDatabase,
  query: string,
  cutoff: number,
  batchSize: number,
  maxBatches = 1000,
): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const result = await db.session((qr) => qr.query(query, [cutoff, batchSize], true), true);
    const deleted = Number((result as { affected?: number }).affected ?? 0);
    total += deleted;
    if (deleted < batchSize) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  return total;
}
