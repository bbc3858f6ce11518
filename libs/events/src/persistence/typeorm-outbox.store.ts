import { Logger } from '@nestjs/common';
import type { EntityManager, QueryRunner } from 'typeorm';
import { EventValidationError } from '../errors/event-validation.error.js';
import type { PreparedEvent } from '../persistence-seam.js';
import { outboxItem, outboxValues, type OutboxItem, type OutboxRecord } from './outbox-row.codec.js';
import type { PersistenceDatabase } from './persistence-database.js';
import { pruneInBatches } from './prune-in-batches.js';

const INSERT_CHUNK = 500;
const MARK_CHUNK = 500;

/** Sends claimed rows; resolves with the ids the broker confirmed. */
export type OutboxSender = (items: OutboxItem[]) => Promise<string[]>;

export interface RelayBatchResult {
  claimed: number;
  sent: number;
}

function isEntityManager(value: unknown): value is EntityManager {
  return (
    !!value &&
    typeof value === 'object' &&
    typeof (value as EntityManager).query === 'function' &&
    'dataSource' in value
  );
}

/**
 * The outbox (`events_outbox`). Rows are written in the caller's transaction; the relay claims pending
 * rows (Postgres: FOR UPDATE SKIP LOCKED, so relays never share a row), sends them, and marks them sent.
 * Pending means `sent_at IS NULL`, never "after the last id seen", so a row that commits late is still sent.
 */
export class TypeOrmOutboxStore {
  private readonly logger = new Logger(TypeOrmOutboxStore.name);

  constructor(private readonly db: PersistenceDatabase) {}

  /** Inserts the events inside the transaction of `transaction` (an EntityManager); nothing is sent here. */
  async write(transaction: unknown, events: PreparedEvent[]): Promise<void> {
    const type = events[0]?.envelope.type;
    if (!isEntityManager(transaction) || !transaction.queryRunner?.isTransactionActive) {
      throw new EventValidationError(
        'transaction',
        'must be the EntityManager of an open transaction (the `manager` of dataSource.transaction(async (manager) => ...), or ctx.manager)',
        type,
      );
    }
    if (!this.db.owns(transaction)) {
      throw new EventValidationError(
        'transaction',
        'writes to another database than EventsModule `persistence.dataSource`: the relay would never see the row',
        type,
      );
    }
    const now = Date.now();
    for (let i = 0; i < events.length; i += INSERT_CHUNK) {
      const chunk = events.slice(i, i + INSERT_CHUNK);
      await transaction.query(
        this.db.sql.outboxInsert(chunk.length),
        chunk.flatMap((e) => outboxValues(e, now)),
      );
    }
  }

  /** Claims up to `limit` pending rows, hands them to `send`, and marks the confirmed ones sent. */
  relayBatch(limit: number, send: OutboxSender): Promise<RelayBatchResult> {
    return this.db.dialect === 'postgres' ? this.relayLocked(limit, send) : this.relaySingle(limit, send);
  }

  /** Deletes rows sent before `cutoff` (epoch ms), `batchSize` at a time. */
  prune(cutoff: number, batchSize: number): Promise<number> {
    return pruneInBatches(this.db, this.db.sql.outboxPrune(), cutoff, batchSize);
  }

  /** Postgres: claim, send and mark in one transaction; the row locks keep other relays off these rows. */
  private relayLocked(limit: number, send: OutboxSender): Promise<RelayBatchResult> {
    return this.db.session(async (qr) => {
      await qr.startTransaction();
      try {
        const rows = (await qr.query(this.db.sql.outboxClaim(), [limit])) as OutboxRecord[];
        let sent: string[] = [];
        if (rows.length > 0) {
          const now = Date.now();
          sent = await send(this.decode(rows, now));
          if (sent.length > 0) await qr.query(this.db.sql.outboxMarkSent(sent.length), [Date.now(), sent]);
        }
        await qr.commitTransaction();
        return { claimed: rows.length, sent: sent.length };
      } catch (e) {
        await this.rollbackQuietly(qr);
        throw e;
      }
    });
  }

  /** SQLite (one relay per file): read committed pending rows, send, then mark them in short writes. */
  private async relaySingle(limit: number, send: OutboxSender): Promise<RelayBatchResult> {
    const rows = (await this.db.session(
      (qr) => qr.query(this.db.sql.outboxPending(), [limit]),
      true,
    )) as OutboxRecord[];
    if (rows.length === 0) return { claimed: 0, sent: 0 };
    const now = Date.now();
    const sent = await send(this.decode(rows, now));
    for (let i = 0; i < sent.length; i += MARK_CHUNK) {
      const ids = sent.slice(i, i + MARK_CHUNK);
      await this.db.session(
        (qr) => qr.query(this.db.sql.outboxMarkSent(ids.length), [Date.now(), ...ids]),
        true,
      );
    }
    return { claimed: rows.length, sent: sent.length };
  }

  /** Rows whose stored envelope cannot be read (edited by hand?) are logged and left pending. */
  private decode(rows: OutboxRecord[], now: number): OutboxItem[] {
    const items: OutboxItem[] = [];
    for (const row of rows) {
      try {
        items.push(outboxItem(row, now));
      } catch (e) {
        this.logger.error(
          `outbox row ${row.id} (event ${row.event_id}) cannot be decoded and stays pending: ${(e as Error).message}`,
        );
      }
    }
    return items;
  }

  private async rollbackQuietly(qr: QueryRunner): Promise<void> {
    if (qr.isTransactionActive && !qr.isReleased) await qr.rollbackTransaction().catch(() => undefined);
  }
}
