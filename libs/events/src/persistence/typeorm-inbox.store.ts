import type { EntityManager, QueryRunner } from 'typeorm';
import { TransientError } from '../errors/transient.error.js';
import { isSqliteBusy, isUniqueViolation } from './database-errors.js';
import type { PersistenceDatabase } from './persistence-database.js';
import { processOnPostgresClient } from './postgres-inbox.fast-path.js';
import { pruneInBatches } from './prune-in-batches.js';

export type InboxOutcome = 'processed' | 'duplicate';

const CLAIM_ATTEMPTS = 3;

async function rollbackQuietly(qr: QueryRunner): Promise<void> {
  if (!qr.isTransactionActive || qr.isReleased) return;
  await qr.rollbackTransaction().catch(() => undefined);
}

/**
 * The inbox (`events_inbox`, unique (event_id, consumer)). `process()` inserts the key and runs the work in
 * one transaction: a concurrent copy of the same key waits on the unique key until the first commits
 * (then it is a duplicate) or rolls back (then it runs).
 */
export class TypeOrmInboxStore {
  constructor(private readonly db: PersistenceDatabase) {}

  /**
   * Runs `work` once per (key, consumer): returns 'duplicate' without running it when the key is already
   * committed (key null: just a transaction, no inbox row). `work`'s errors are rethrown as they are (after
   * rollback); database failures around it become TransientError. `needsManager: false` (no `ctx.manager`)
   * allows the one-round-trip claim on Postgres.
   */
  async process(
    key: string | null,
    consumer: string,
    work: (manager: EntityManager | undefined) => Promise<void>,
    needsManager = true,
  ): Promise<InboxOutcome> {
    if (!needsManager && key !== null && this.db.dialect === 'postgres') {
      const outcome = await processOnPostgresClient(this.db, key, consumer, () => work(undefined));
      if (outcome) return outcome;
    }
    return this.db.session(async (qr) => {
      if (this.db.locked)
        throw new TransientError(
          'the SQLite database is locked by another connection; the event is retried later',
        );
      if (!(await this.claim(qr, key, consumer))) {
        await rollbackQuietly(qr);
        return 'duplicate';
      }
      try {
        await work(qr.manager);
      } catch (e) {
        await rollbackQuietly(qr);
        throw e;
      }
      try {
        await qr.commitTransaction();
      } catch (e) {
        await rollbackQuietly(qr);
        throw new TransientError(
          `the inbox transaction could not commit (${(e as Error).message}); the event is retried and the inbox decides`,
          { cause: e },
        );
      }
      return 'processed';
    });
  }

  /** Whether (key, consumer) was processed (its inbox row committed). */
  async seen(key: string, consumer: string): Promise<boolean> {
    const rows = (await this.db.session((qr) =>
      qr.query(this.db.sql.inboxSeen(), [key, consumer]),
    )) as unknown[];
    return rows.length > 0;
  }

  /** Deletes rows processed before `cutoff` (epoch ms), `batchSize` at a time. */
  prune(cutoff: number, batchSize: number): Promise<number> {
    return pruneInBatches(this.db, this.db.sql.inboxPrune(), cutoff, batchSize);
  }

  /** Begins the transaction and inserts the key (none: a transaction only): true = claimed, false = already processed. */
  private async claim(qr: QueryRunner, key: string | null, consumer: string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await qr.startTransaction();
        if (key === null) return true;
        const result = (await qr.query(this.db.sql.inboxInsert(), [key, consumer, Date.now()], true)) as {
          affected?: number;
        };
        return Number(result.affected ?? 0) > 0;
      } catch (e) {
        await rollbackQuietly(qr);
        if (isUniqueViolation(e)) return false;
        if (isSqliteBusy(e)) {
          if (attempt < CLAIM_ATTEMPTS) {
            await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
            continue;
          }
          this.db.markLocked();
        }
        throw new TransientError(
          `the inbox is unavailable (${(e as Error).message}); the event is retried later`,
          { cause: e },
        );
      }
    }
  }
}
