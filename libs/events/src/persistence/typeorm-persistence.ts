import type { HandlerRegistration } from '../consumer/handler-registration.js';
import type { EventsPersistence, HandlerInvoke, PreparedEvent } from '../persistence-seam.js';
import { wrapInboxHandler, type InboxActivity } from './inbox-handler.wrapper.js';
import { OutboxRelay } from './outbox.relay.js';
import type { PersistenceDatabase } from './persistence-database.js';
import type { PersistenceSettings } from './persistence-settings.js';
import { RetentionPruner } from './retention.pruner.js';
import { TypeOrmInboxStore } from './typeorm-inbox.store.js';
import { TypeOrmOutboxStore } from './typeorm-outbox.store.js';

/** Inbox + outbox on TypeORM, plugged into the core through the EventsPersistence seam. */
export class TypeOrmPersistence implements EventsPersistence, InboxActivity {
  readonly inbox: TypeOrmInboxStore;
  readonly outbox: TypeOrmOutboxStore;
  private readonly pruner: RetentionPruner;
  private relay: OutboxRelay | undefined;
  private active = 0;
  private closing = false;

  constructor(
    private readonly db: PersistenceDatabase,
    private readonly settings: PersistenceSettings,
    private readonly stopTimeoutMs: number,
  ) {
    this.inbox = new TypeOrmInboxStore(db);
    this.outbox = new TypeOrmOutboxStore(db);
    this.pruner = new RetentionPruner(this.inbox, this.outbox, settings);
  }

  async writeOutbox(transaction: unknown, events: PreparedEvent[]): Promise<void> {
    await this.outbox.write(transaction, events);
    this.relay?.nudge();
  }

  wrapHandler(reg: HandlerRegistration, invoke: HandlerInvoke): HandlerInvoke {
    return wrapInboxHandler(reg, invoke, this.inbox, this);
  }

  processed(reg: HandlerRegistration, eventId: string): Promise<boolean> {
    const o = reg.options;
    const deduplicates = o.idempotent === true || (o.transactional === true && o.idempotent !== false);
    // a custom idempotencyKey needs the decoded payload and context: the inbox is asked when it runs
    if (!deduplicates || o.idempotencyKey) return Promise.resolve(false);
    return this.inbox.seen(eventId, reg.queue);
  }

  async start(send: (event: PreparedEvent) => Promise<void>): Promise<void> {
    if (this.settings.relay && !this.relay) {
      this.relay = new OutboxRelay(this.outbox, send, {
        batchSize: this.settings.relayBatchSize,
        intervalMs: this.settings.relayIntervalMs,
        stopTimeoutMs: this.stopTimeoutMs,
      });
      this.relay.start();
    }
    this.pruner.start();
  }

  /**
   * Stops the relay and the pruner. The library's own connection (SQLite) closes once the handlers still
   * running have finished (the consumers drain after this call).
   */
  async stop(): Promise<void> {
    await this.relay?.stop();
    await this.pruner.stop();
    this.closing = true;
    if (this.active === 0) await this.db.close();
  }

  /** Runs one pruning pass now (tests, operators). */
  pruneNow(): Promise<{ inbox: number; outbox: number }> {
    return this.pruner.pruneOnce();
  }

  enter(): void {
    this.active += 1;
  }

  leave(): void {
    this.active -= 1;
    if (this.closing && this.active === 0) void this.db.close();
  }
}
