import { INBOX_TABLE, OUTBOX_SEQUENCE, OUTBOX_TABLE } from './events.entities.js';
import { qualify, type SqlDialect } from './sql-names.js';

/** Columns the outbox insert writes, in order (see outbox-row.codec.ts). */
export const OUTBOX_INSERT_COLUMNS = [
  'event_id',
  'event_type',
  'correlation_id',
  'envelope',
  'payload',
  'delay_ms',
  'created_at',
];
const OUTBOX_READ = ['id', 'event_id', 'correlation_id', 'envelope', 'payload', 'delay_ms', 'created_at'];
const OUTBOX_READ_COLUMNS = OUTBOX_READ.map((c) => `"${c}"`).join(', ');
const OUTBOX_READ_COLUMNS_O = OUTBOX_READ.map((c) => `o."${c}"`).join(', ');

/** The SQL the stores run, per dialect. Pure: builds strings, runs nothing. */
export class EventsSql {
  readonly inbox: string;
  readonly outbox: string;
  private readonly sequence: string;

  constructor(
    readonly dialect: SqlDialect,
    schema?: string,
  ) {
    this.inbox = qualify(INBOX_TABLE, dialect === 'postgres' ? schema : undefined);
    this.outbox = qualify(OUTBOX_TABLE, dialect === 'postgres' ? schema : undefined);
    this.sequence = qualify(OUTBOX_SEQUENCE, dialect === 'postgres' ? schema : undefined);
  }

  /** Placeholder number `n` (1-based). */
  p(n: number): string {
    return this.dialect === 'postgres' ? `$${n}` : '?';
  }

  /** Claims the key; affects 0 rows when it is already there (or waits for a concurrent claim to settle). */
  /** One row when ($1 event id, $2 consumer) was processed. */
  inboxSeen(): string {
    return `SELECT 1 AS "seen" FROM ${this.inbox} WHERE "event_id" = ${this.p(1)} AND "consumer" = ${this.p(2)}`;
  }

  inboxInsert(): string {
    return `INSERT INTO ${this.inbox} ("event_id", "consumer", "processed_at") VALUES (${this.p(1)}, ${this.p(2)}, ${this.p(3)}) ON CONFLICT DO NOTHING`;
  }

  /** Inserts `rows` outbox rows; ids in insert order (Postgres sequence; SQLite max + n under its write lock). */
  outboxInsert(rows: number): string {
    const cols = OUTBOX_INSERT_COLUMNS.map((c) => `"${c}"`).join(', ');
    const width = OUTBOX_INSERT_COLUMNS.length;
    if (this.dialect === 'postgres') {
      const seq = `nextval('${this.sequence.replace(/'/g, "''")}')`;
      const values = Array.from({ length: rows }, (_, r) => {
        const params = Array.from({ length: width }, (_, c) => this.p(r * width + c + 1)).join(', ');
        return `(${seq}, ${params})`;
      });
      return `INSERT INTO ${this.outbox} ("id", ${cols}) VALUES ${values.join(', ')}`;
    }
    const values = Array.from({ length: rows }, (_, r) => `(${r + 1}, ${Array(width).fill('?').join(', ')})`);
    const picked = Array.from({ length: width }, (_, c) => `v.column${c + 2}`).join(', ');
    return (
      `INSERT INTO ${this.outbox} ("id", ${cols}) SELECT (SELECT COALESCE(MAX("id"), 0) FROM ${this.outbox}) + v.column1, ${picked} ` +
      `FROM (VALUES ${values.join(', ')}) AS v ORDER BY v.column1`
    );
  }

  /**
   * Postgres: locks up to $1 pending rows no other relay holds (SKIP LOCKED) and returns those that may go
   * now: a row waits while an earlier pending row of its correlationId is held elsewhere.
   */
  outboxClaim(): string {
    return (
      `WITH batch AS MATERIALIZED (SELECT "id" FROM ${this.outbox} WHERE "sent_at" IS NULL ORDER BY "id" LIMIT $1 FOR UPDATE SKIP LOCKED) ` +
      `SELECT ${OUTBOX_READ_COLUMNS_O} ` +
      `FROM ${this.outbox} o JOIN batch b ON b."id" = o."id" ` +
      `WHERE o."correlation_id" IS NULL OR NOT EXISTS (SELECT 1 FROM ${this.outbox} e WHERE e."sent_at" IS NULL ` +
      `AND e."correlation_id" = o."correlation_id" AND e."id" < o."id" AND e."id" NOT IN (SELECT "id" FROM batch)) ` +
      `ORDER BY o."id"`
    );
  }

  /** SQLite (one relay): the oldest pending rows. */
  outboxPending(): string {
    return `SELECT ${OUTBOX_READ_COLUMNS} FROM ${this.outbox} WHERE "sent_at" IS NULL ORDER BY "id" LIMIT ?`;
  }

  /** Marks `count` rows sent: params = [sentAt, ...ids] (SQLite) or [sentAt, ids[]] (Postgres). */
  outboxMarkSent(count: number): string {
    if (this.dialect === 'postgres')
      return `UPDATE ${this.outbox} SET "sent_at" = $1 WHERE "id" = ANY($2::bigint[])`;
    return `UPDATE ${this.outbox} SET "sent_at" = ? WHERE "id" IN (${Array(count).fill('?').join(', ')})`;
  }

  /** Deletes at most $2 rows sent before $1. */
  outboxPrune(): string {
    return `DELETE FROM ${this.outbox} WHERE "id" IN (SELECT "id" FROM ${this.outbox} WHERE "sent_at" < ${this.p(1)} LIMIT ${this.p(2)})`;
  }

  /** Deletes at most $2 inbox rows processed before $1. */
  inboxPrune(): string {
    const rowRef = this.dialect === 'postgres' ? 'ctid' : 'rowid';
    const selected = `SELECT ${rowRef} FROM ${this.inbox} WHERE "processed_at" < ${this.p(1)} LIMIT ${this.p(2)}`;
    return this.dialect === 'postgres'
      ? `DELETE FROM ${this.inbox} WHERE ctid = ANY(ARRAY(${selected}))`
      : `DELETE FROM ${this.inbox} WHERE rowid IN (${selected})`;
  }

  /** A query that fails when a table is missing. */
  probe(table: 'inbox' | 'outbox'): string {
    return `SELECT 1 FROM ${table === 'inbox' ? this.inbox : this.outbox} WHERE 1 = 0`;
  }

  /** Postgres: fails when the outbox id sequence is missing (e.g. tables made by `synchronize`). */
  probeSequence(): string {
    return `SELECT '${this.sequence.replace(/'/g, "''")}'::regclass`;
  }
}
