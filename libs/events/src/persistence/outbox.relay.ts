import { Logger } from '@nestjs/common';
import type { PreparedEvent } from '../persistence-seam.js';
import { orderedChains, type OutboxItem } from './outbox-row.codec.js';
import type { TypeOrmOutboxStore } from './typeorm-outbox.store.js';
import { settlesWithin } from '../runtime/settles-within.js';

const MAX_BACKOFF_MS = 5000;
const NUDGE_DELAY_MS = 5;
const LOG_EVERY_MS = 30_000;

export interface OutboxRelaySettings {
  batchSize: number;
  intervalMs: number;
  /** Longest stop() waits for the batch in progress. */
  stopTimeoutMs: number;
}

/**
 * Publishes pending outbox rows with confirms and marks them sent. Polls while there is work, sleeps
 * `intervalMs` when idle, backs off while the broker or the database is down (rows simply stay pending).
 * Rows of one correlationId go out one after the other, in id order; other rows go out concurrently.
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private nudged = false;
  private nudgeTimer: NodeJS.Timeout | undefined;
  private failingSince: number | undefined;
  private lastLogAt = 0;

  constructor(
    private readonly store: TypeOrmOutboxStore,
    private readonly send: (event: PreparedEvent) => Promise<void>,
    private readonly settings: OutboxRelaySettings,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Something was written to the outbox here: poll soon (once its transaction has had time to commit). */
  nudge(): void {
    if (this.stopped || this.nudgeTimer || this.failingSince !== undefined) return;
    this.nudgeTimer = setTimeout(() => {
      this.nudgeTimer = undefined;
      if (this.wake) this.wake();
      else this.nudged = true;
    }, NUDGE_DELAY_MS);
    this.nudgeTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.nudgeTimer);
    this.wake?.();
    if (!this.loop) return;
    await settlesWithin(this.loop, this.settings.stopTimeoutMs);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let progressed = false;
      let failed: boolean;
      try {
        const { claimed, sent } = await this.store.relayBatch(this.settings.batchSize, (items) =>
          this.sendAll(items),
        );
        progressed = sent > 0;
        failed = sent < claimed;
      } catch (e) {
        failed = true;
        this.reportFailure(`outbox relay cannot reach the database: ${(e as Error).message}`);
      }
      failures = failed ? failures + 1 : 0;
      if (!failed) this.reportRecovery();
      if (this.stopped) break;
      if (progressed && !failed) continue;
      if (this.nudged && !failed) {
        this.nudged = false;
        continue;
      }
      const pause = failed
        ? Math.min(MAX_BACKOFF_MS, this.settings.intervalMs * 2 ** Math.min(failures, 10))
        : this.settings.intervalMs;
      await this.sleep(pause);
    }
  }

  /** Sends chains concurrently, each chain in order; a chain stops at its first failure. */
  private async sendAll(items: OutboxItem[]): Promise<string[]> {
    const sent: string[] = [];
    let firstError: unknown;
    await Promise.all(
      orderedChains(items).map(async (chain) => {
        for (const item of chain) {
          try {
            await this.send(item.event);
            sent.push(item.id);
          } catch (e) {
            firstError ??= e;
            return;
          }
        }
      }),
    );
    if (firstError !== undefined) {
      this.reportFailure(
        `outbox relay could not publish ${items.length - sent.length} event(s), kept pending: ${(firstError as Error)?.message ?? firstError}`,
      );
    }
    return sent;
  }

  private reportFailure(message: string): void {
    const now = Date.now();
    this.failingSince ??= now;
    if (now - this.lastLogAt >= LOG_EVERY_MS) {
      this.lastLogAt = now;
      this.logger.warn(message);
    }
  }

  private reportRecovery(): void {
    if (this.failingSince === undefined) return;
    this.logger.log(`outbox relay recovered after ${Date.now() - this.failingSince} ms`);
    this.failingSince = undefined;
    this.lastLogAt = 0;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.wake = done;
    });
  }
}
