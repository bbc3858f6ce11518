import { Logger } from '@nestjs/common';
import { ProjectionFailedError } from '../errors/projection-failed.error.js';
import { backoffDelay } from '../retry/backoff.js';
import { matchesPattern } from '../routing/routing-pattern.js';
import type { ResolvedProjectionsOptions } from './event-sourcing.options.js';
import type { EventStore } from './event-store.js';
import type { StoredEvent } from './event-store.types.js';
import type { ProjectionCheckpointStore } from './projection-checkpoint.store.js';
import type { ProjectionDefinition } from './projection.explorer.js';

/**
 * Runs one projection in this app instance: takes the lease (or waits as a standby), reads batches after
 * the checkpoint in position order, applies each batch and advances the checkpoint in one transaction,
 * retries a failing batch with backoff, then stops the projection with the error (never skipping).
 */
export class Projector {
  private readonly logger: Logger;
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private loop: Promise<void> | undefined;
  /** True while this instance holds the lease. */
  active = false;

  constructor(
    readonly def: ProjectionDefinition,
    private readonly store: EventStore,
    private readonly checkpoints: ProjectionCheckpointStore,
    private readonly options: ResolvedProjectionsOptions,
    private readonly owner: string,
  ) {
    this.logger = new Logger(`Projection:${def.name}`);
  }

  start(): void {
    this.loop ??= this.run();
  }

  wake(): void {
    this.woken = true; // not idle right now: the next idle() returns at once
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
    if (this.active) await this.checkpoints.release(this.def.name, this.owner).catch(() => undefined);
    this.active = false;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const row = await this.lease();
        this.active = !!row;
        if (!row || row.state === 'failed') {
          await this.idle(
            row
              ? this.options.pollIntervalMs
              : Math.min(this.options.pollIntervalMs, this.options.leaseMs / 2),
          );
          continue;
        }
        if (row.state === 'rebuild-requested') {
          await this.rebuild();
          continue;
        }
        const readStartedAt = Date.now();
        const events = await this.store.readPage(row.position, this.options.batchSize);
        if (events.length === 0) {
          let wait = this.def.idle ? this.def.idle.dueIn(readStartedAt) : Infinity;
          if (wait <= 0)
            wait = (await this.idleWork(row.position, readStartedAt))
              ? this.def.idle!.dueIn(Date.now())
              : this.options.pollIntervalMs;
          await this.idle(Math.max(1, Math.min(this.options.pollIntervalMs, wait)));
          continue;
        }
        await this.applyWithRetry(row.position, events);
      } catch (e) {
        this.logger.error(`projector loop: ${(e as Error).message}`, (e as Error).stack);
        await this.idle(this.options.pollIntervalMs);
      }
    }
  }

  private renewAt = 0;

  /** Takes the lease, or renews it once half of it went by (the batch's claim checks it every time). */
  private async lease() {
    const now = Date.now();
    if (this.active && now < this.renewAt && this.cached) {
      const row = await this.checkpoints.get(this.def.name);
      if (row && row.leaseOwner === this.owner) return (this.cached = row);
    }
    const row = await this.checkpoints.acquire(this.def.name, this.owner, this.options.leaseMs);
    this.renewAt = now + this.options.leaseMs / 2;
    return (this.cached = row);
  }

  private cached: Awaited<ReturnType<ProjectionCheckpointStore['acquire']>>;

  private async rebuild(): Promise<void> {
    await this.store.db.transaction(async (m) => {
      if (this.def.reset) await this.def.reset(m);
      await this.checkpoints.reset(m, this.def.name);
    });
    this.logger.log(`rebuilt: checkpoint reset to 0`);
  }

  /** The definition's idle work, in a transaction holding the checkpoint at `from` (skipped if lost). */
  private idleWork(from: number, readStartedAt: number): Promise<boolean> {
    return this.store.db.transaction(async (m) => {
      if (!(await this.checkpoints.claim(m, this.def.name, this.owner, from))) return false;
      await this.def.idle!.run(m, readStartedAt);
      return true;
    });
  }

  private async applyWithRetry(from: number, events: StoredEvent[]): Promise<void> {
    const policy = this.options.retry;
    for (let attempt = 1; ; attempt++) {
      let current: StoredEvent | undefined;
      try {
        await this.store.db.transaction(async (m) => {
          // safe: the read model and the checkpoint commit (or are lost in a server crash) together
          if (this.store.db.dialect === 'postgres') await m.query('SET LOCAL synchronous_commit TO OFF');
          if (!(await this.checkpoints.claim(m, this.def.name, this.owner, from))) return; // lease lost or reset: re-read
          if (this.def.applyBatch) await this.def.applyBatch(events, m);
          else
            for (const e of events) {
              current = e;
              for (const h of this.def.handlers) {
                if (!h.patterns.some((p) => matchesPattern(p, e.type))) continue;
                const { data, ...meta } = e;
                await h.invoke(data, { ...meta, projection: this.def.name, manager: m });
              }
            }
          await this.checkpoints.advance(m, this.def.name, events[events.length - 1].position);
        });
        return;
      } catch (e) {
        if (this.stopped) return;
        if (attempt >= policy.maxAttempts) {
          const err = new ProjectionFailedError(
            this.def.name,
            current?.position ?? from + 1,
            current?.type ?? '?',
            attempt,
            e,
          );
          this.logger.error(err.message, (e as Error).stack);
          await this.checkpoints.fail(this.def.name, err.message);
          return;
        }
        this.logger.warn(
          `batch after position ${from} failed (attempt ${attempt}/${policy.maxAttempts}): ${(e as Error).message}`,
        );
        await this.idle(backoffDelay(policy, attempt), false);
      }
    }
  }

  /** Waits `ms`; an append (wake) ends the wait early unless `wakeable` is false; stop() always does. */
  private idle(ms: number, wakeable = true): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (wakeable && this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        if (wakeable) this.woken = false;
        this.wakeUp = undefined;
        resolve();
      };
      timer = setTimeout(done, ms);
      this.wakeUp = wakeable ? done : () => this.stopped && done();
    });
  }
}
