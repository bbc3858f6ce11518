import { Logger } from '@nestjs/common';
import type { TypeOrmInboxStore } from './typeorm-inbox.store.js';
import type { TypeOrmOutboxStore } from './typeorm-outbox.store.js';

export interface RetentionSettings {
  inboxRetentionMs: number;
  outboxRetentionMs: number;
  pruneIntervalMs: number;
  pruneBatchSize: number;
}

/**
 * Every `pruneIntervalMs`, deletes inbox rows older than `inboxRetentionMs` and outbox rows sent more than
 * `outboxRetentionMs` ago, in small batches. Safe to run in every instance (deletes are idempotent).
 */
export class RetentionPruner {
  private readonly logger = new Logger(RetentionPruner.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly inbox: TypeOrmInboxStore,
    private readonly outbox: TypeOrmOutboxStore,
    private readonly settings: RetentionSettings,
  ) {}

  start(): void {
    if (this.settings.pruneIntervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.pruneOnce().then(() => (this.running = undefined));
    }, this.settings.pruneIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One pruning pass; failures are logged and retried at the next interval. */
  async pruneOnce(): Promise<{ inbox: number; outbox: number }> {
    const now = Date.now();
    const result = { inbox: 0, outbox: 0 };
    try {
      if (!this.stopped)
        result.inbox = await this.inbox.prune(
          now - this.settings.inboxRetentionMs,
          this.settings.pruneBatchSize,
        );
      if (!this.stopped)
        result.outbox = await this.outbox.prune(
          now - this.settings.outboxRetentionMs,
          this.settings.pruneBatchSize,
        );
      if (result.inbox + result.outbox > 0)
        this.logger.debug(`pruned ${result.inbox} inbox and ${result.outbox} outbox row(s)`);
    } catch (e) {
      this.logger.warn(
        `pruning failed, retried in ${this.settings.pruneIntervalMs} ms: ${(e as Error).message}`,
      );
    }
    return result;
  }
}
