import { Logger } from '@nestjs/common';
import { errorText } from './saga-messages.js';
import type { SagaStore } from './saga.store.js';

/**
 * Keeps a claimed saga's lease alive while its step runs: every third of `leaseMs` it moves `locked_until`
 * forward (only while the row still has the claimed version). So a step that runs longer than `leaseMs` is
 * not started a second time by another instance while this one is alive; when this process dies, renewals
 * stop and the lease expires after at most `leaseMs`, as before.
 */
export class SagaLeaseKeeper {
  private readonly logger = new Logger('SagaEngine');

  constructor(
    private readonly store: SagaStore,
    private readonly leaseMs: number,
  ) {}

  async hold<T>(id: string, version: number, work: () => Promise<T>): Promise<T> {
    let renewing: Promise<void> = Promise.resolve();
    const timer = setInterval(
      () => {
        renewing = renewing.then(() => this.renew(id, version));
      },
      Math.max(20, Math.floor(this.leaseMs / 3)),
    );
    timer.unref();
    try {
      return await work();
    } finally {
      clearInterval(timer);
      await renewing;
    }
  }

  private async renew(id: string, version: number): Promise<void> {
    try {
      await this.store.renew(id, version, this.leaseMs);
    } catch (e) {
      // the database is away: the step's own transition will find out; a lapsed lease is only a risk of a
      // second run, which the version check on that transition keeps from committing twice
      this.logger.warn(`saga ${id}: could not renew its lease: ${errorText(e)}`);
    }
  }
}
