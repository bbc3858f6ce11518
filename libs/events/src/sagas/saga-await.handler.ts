import { TransientError } from '../errors/transient.error.js';
import type { SagaDefinition } from './saga-definition.interface.js';
import type { SagaEngine } from './saga.engine.js';
import type { SagaTransitionWriter } from './saga-transition.writer.js';
import type { ResolvedSagasOptions } from './sagas-options.js';
import type { SagaState, SagaStore } from './saga.store.js';

/**
 * Feeds events to `awaitEvents` steps: an event whose correlationId is a waiting saga's key is recorded
 * (duplicates ignored); when every listed type arrived, the step completes and the saga moves on. An event
 * that arrives while its saga has not reached the awaiting step yet is postponed (TransientError), not lost.
 */
export class SagaAwaitHandler {
  constructor(
    private readonly store: SagaStore,
    private readonly engine: SagaEngine,
    private readonly writer: SagaTransitionWriter,
    private readonly options: ResolvedSagasOptions,
  ) {}

  async onEvent(type: string, correlationId: string | undefined, data: unknown): Promise<void> {
    if (!correlationId) return;
    for (let round = 0; round < 5; round++) {
      let retry = false;
      for (const s of await this.store.byCorrelation(correlationId)) {
        const def = this.options.sagas.get(s.name);
        if (!def) continue;
        const outcome = await this.offer(def, s, type, data);
        if (outcome === 'conflict') retry = true;
      }
      if (!retry) return;
    }
    throw new TransientError(`sagas correlated by ${correlationId} kept changing while recording ${type}`);
  }

  private async offer(
    def: SagaDefinition<unknown>,
    s: SagaState,
    type: string,
    data: unknown,
  ): Promise<'done' | 'conflict'> {
    const waitsLater = (from: number) =>
      def.steps.slice(from).some((st) => st.awaitEvents?.types.includes(type));
    const step = def.steps[s.currentStep];
    if (s.status !== 'waiting' || !step?.awaitEvents?.types.includes(type)) {
      const ahead = s.status === 'running' ? s.currentStep : s.currentStep + 1;
      if ((s.status === 'running' || s.status === 'waiting') && waitsLater(ahead)) {
        throw new TransientError(`saga ${s.id} has not reached the step awaiting ${type} yet`);
      }
      return 'done';
    }
    if (type in s.received) return 'done'; // duplicate
    const received = { ...s.received, [type]: data };
    const complete = step.awaitEvents.types.every((t) => t in received);
    if (!complete) {
      return (await this.writer.commit(s, s.version, { received }, [])) ? 'done' : 'conflict';
    }
    const changes = step.awaitEvents.merge?.(structuredClone(s.data), received);
    const merged = changes && typeof changes === 'object' ? { ...(s.data as object), ...changes } : s.data;
    const ok = await this.engine.advance(def, s, s.version, merged, s.currentStep, { received });
    return ok ? 'done' : 'conflict';
  }
}
