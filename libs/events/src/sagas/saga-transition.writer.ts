import type { EntityManager } from 'typeorm';
import type { PublishItem } from '../interfaces/publish-options.interface.js';
import type { SagaMetrics } from '../observability/saga-metrics.js';
import type { EventPublisher } from '../publisher/event-publisher.js';
import type { SagaLifecycle, SagaLifecycleEvent, StepMessage } from './saga-messages.js';
import { stepMessageId, stepType } from './saga-messages.js';
import type { SagaChanges, SagaState, SagaStore } from './saga.store.js';

/** A message to send with a transition: a step message (optionally delayed) or a lifecycle event. */
export type Outgoing = { step: StepMessage; delay?: number } | { lifecycle: SagaLifecycle };

/**
 * Commits one saga transition: the row update (checked against the version) and the messages it sends,
 * written to the outbox in the same transaction. Either all of it happens or none.
 */
export class SagaTransitionWriter {
  constructor(
    private readonly store: SagaStore,
    private readonly publisher: EventPublisher,
    private readonly service: string,
    private readonly metrics?: SagaMetrics,
  ) {}

  /** The outbox items for `out`, about saga `s` (after `changes`). */
  items(s: SagaState, changes: SagaChanges, out: Outgoing[], manager: EntityManager): PublishItem[] {
    return out.map((o): PublishItem => {
      if ('step' in o) {
        return {
          type: stepType(this.service),
          data: o.step,
          options: {
            transaction: manager,
            id: stepMessageId(o.step),
            correlationId: s.correlationId,
            delay: o.delay ?? 0,
          },
        };
      }
      const error = changes.error === null ? undefined : (changes.error ?? s.error);
      const data: SagaLifecycleEvent = {
        id: s.id,
        name: s.name,
        status: changes.status ?? s.status,
        ...(error && o.lifecycle !== 'completed' && o.lifecycle !== 'started' ? { error } : {}),
      };
      return {
        type: `Saga.${o.lifecycle}`,
        data,
        options: { transaction: manager, id: `${s.id}:${o.lifecycle}`, correlationId: s.correlationId },
      };
    });
  }

  /**
   * Applies the transition iff the row still has `version`; false when another writer got there first.
   * Lifecycle events it sends are counted in the saga metrics once the transaction committed.
   */
  async commit(s: SagaState, version: number, changes: SagaChanges, out: Outgoing[]): Promise<boolean> {
    const ok = await this.store.transaction(async (manager) => {
      if (!(await this.store.update(manager, s.id, version, changes))) return false;
      if (out.length > 0) await this.publisher.publishAll(this.items(s, changes, out, manager));
      return true;
    });
    if (ok) this.counted(s.name, out);
    return ok;
  }

  /** Counts the lifecycle events of a committed transition (or of a start). */
  counted(saga: string, out: Outgoing[]): void {
    if (!this.metrics) return;
    for (const o of out) if ('lifecycle' in o) this.metrics.record(o.lifecycle, saga);
  }
}
