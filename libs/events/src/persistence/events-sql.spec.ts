import { EventsSql } from './events-sql.js';

describe('EventsSql', () => {
  it('qualifies tables with the Postgres schema and uses $n placeholders', () => {
    const sql = new EventsSql('postgres', 'billing');
    expect(sql.inbox).toBe('"billing"."events_inbox"');
    expect(sql.inboxInsert()).toBe(
      'INSERT INTO "billing"."events_inbox" ("event_id", "consumer", "processed_at") VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    );
    expect(sql.outboxInsert(2)).toContain(
      `VALUES (nextval('"billing"."events_outbox_seq"'), $1, $2, $3, $4, $5, $6, $7), (nextval('"billing"."events_outbox_seq"'), $8,`,
    );
    expect(sql.outboxClaim()).toContain('FOR UPDATE SKIP LOCKED');
    expect(sql.outboxMarkSent(3)).toBe(
      'UPDATE "billing"."events_outbox" SET "sent_at" = $1 WHERE "id" = ANY($2::bigint[])',
    );
  });

  it('uses ? placeholders and max(id) + n ids on SQLite, ignoring any schema', () => {
    const sql = new EventsSql('sqlite', 'ignored');
    expect(sql.outbox).toBe('"events_outbox"');
    const insert = sql.outboxInsert(2);
    expect(insert).toContain('SELECT (SELECT COALESCE(MAX("id"), 0) FROM "events_outbox") + v.column1');
    expect(insert).toContain('(1, ?, ?, ?, ?, ?, ?, ?), (2, ?, ?, ?, ?, ?, ?, ?)');
    expect(sql.outboxMarkSent(3)).toBe('UPDATE "events_outbox" SET "sent_at" = ? WHERE "id" IN (?, ?, ?)');
    expect(sql.inboxPrune()).toContain('rowid IN');
  });

  it('never selects by "the last id seen": pending means sent_at IS NULL', () => {
    for (const sql of [new EventsSql('postgres'), new EventsSql('sqlite')]) {
      expect(sql.dialect === 'postgres' ? sql.outboxClaim() : sql.outboxPending()).toMatch(
        /"sent_at" IS NULL ORDER BY "id" LIMIT/,
      );
    }
  });
});
