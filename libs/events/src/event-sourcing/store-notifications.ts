import { Logger } from '@nestjs/common';
import type { EventStoreDatabase } from './event-store.database.js';

interface PgClientLike {
  query(sql: string): Promise<unknown>;
  on(event: 'notification', listener: () => void): unknown;
  removeAllListeners(event: string): unknown;
}

interface PostgresDriverLike {
  obtainMasterConnection?: () => Promise<[PgClientLike, (err?: unknown) => void]>;
}

/**
 * Postgres LISTEN on the store's channel (appends NOTIFY it at commit) so projectors wake before their
 * next poll. Best effort: without it, projectors still poll. Nothing on SQLite.
 */
export class StoreNotifications {
  private readonly logger = new Logger('EventStoreNotifications');
  private held: { client: PgClientLike; release: (err?: unknown) => void } | undefined;

  constructor(private readonly db: EventStoreDatabase) {}

  async listen(onAppend: () => void): Promise<void> {
    const driver = this.db.dataSource.driver as unknown as PostgresDriverLike;
    if (this.db.dialect !== 'postgres' || typeof driver.obtainMasterConnection !== 'function') return;
    try {
      const [client, release] = await driver.obtainMasterConnection();
      client.on('notification', onAppend);
      await client.query(`LISTEN "${this.db.channel}"`);
      this.held = { client, release };
    } catch (e) {
      this.logger.warn(`LISTEN failed, projectors poll only: ${(e as Error).message}`);
    }
  }

  async close(): Promise<void> {
    const held = this.held;
    this.held = undefined;
    if (!held) return;
    try {
      await held.client.query(`UNLISTEN "${this.db.channel}"`);
      held.client.removeAllListeners('notification');
      held.release();
    } catch (e) {
      held.release(e);
    }
  }
}
