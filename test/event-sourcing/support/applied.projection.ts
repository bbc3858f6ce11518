import { Inject } from '@nestjs/common';
import { OnEvent } from 'nestjs-amqp-events';
import { Projection, type ProjectionContext, type ProjectionReset } from 'nestjs-amqp-events/event-sourcing';
import type { EntityManager } from 'typeorm';
import type { TestDatabase } from './es-database.js';

export const APPLIED_CONFIG = Symbol('applied-config');

export interface AppliedConfig {
  table: string;
  dialect: 'postgres' | 'sqlite';
  instance: string;
  /** Event ids whose handling throws (mutable: tests fix the "bug" by clearing it). */
  failOn: Set<string>;
}

/** Creates the read model: one row per applied event, no unique key (duplicates would show), seq = apply order. */
export async function createAppliedTable(
  db: TestDatabase,
  manager: { query: (sql: string) => Promise<unknown> },
  name = 'es_applied',
): Promise<string> {
  const t = db.table(name);
  await manager.query(
    db.dialect === 'postgres'
      ? `CREATE TABLE ${t} (seq bigserial PRIMARY KEY, position bigint NOT NULL, event_id varchar(255) NOT NULL, instance varchar(64) NOT NULL)`
      : `CREATE TABLE ${t} (seq integer PRIMARY KEY AUTOINCREMENT, position bigint NOT NULL, event_id varchar(255) NOT NULL, instance varchar(64) NOT NULL)`,
  );
  return t;
}

/** A projection recording every `Load.*` event it applies, in the batch's transaction. */
@Projection('es-applied')
export class AppliedProjection implements ProjectionReset {
  constructor(@Inject(APPLIED_CONFIG) private readonly cfg: AppliedConfig) {}

  @OnEvent('Load.*')
  async onLoad(_data: unknown, ctx: ProjectionContext): Promise<void> {
    if (this.cfg.failOn.has(ctx.id)) throw new Error(`cannot project ${ctx.id}`);
    const p = this.cfg.dialect === 'postgres' ? '($1, $2, $3)' : '(?, ?, ?)';
    await ctx.manager.query(`INSERT INTO ${this.cfg.table} (position, event_id, instance) VALUES ${p}`, [
      ctx.position,
      ctx.id,
      this.cfg.instance,
    ]);
  }

  async reset(manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM ${this.cfg.table}`);
  }
}

export interface AppliedRow {
  seq: number;
  position: number;
  event_id: string;
  instance: string;
}

export async function appliedRows(
  ds: { query: (sql: string) => Promise<unknown> },
  table: string,
): Promise<AppliedRow[]> {
  const rows = (await ds.query(
    `SELECT seq, position, event_id, instance FROM ${table} ORDER BY seq`,
  )) as AppliedRow[];
  return rows.map((r) => ({ ...r, seq: Number(r.seq), position: Number(r.position) }));
}
