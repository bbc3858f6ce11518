import { Logger } from '@nestjs/common';
import type { SagaMetrics } from '../observability/saga-metrics.js';
import type { EventPublisher } from '../publisher/event-publisher.js';
import { backoffDelay } from '../retry/backoff.js';
import type { SagaDefinition } from './saga-definition.interface.js';
import { errorText, previousCompensable, type StepMessage } from './saga-messages.js';
import { createStepContext } from './saga-step.context.js';
import type { Outgoing, SagaTransitionWriter } from './saga-transition.writer.js';
import { mergeRetry, type ResolvedSagasOptions } from './sagas-options.js';
import type { SagaChanges, SagaState } from './saga.store.js';

/**
 * Undoes a saga: compensates its completed steps, last first, one message per compensation, each with
 * its step's retry policy; a compensation failing on its last attempt parks the saga as `failed`.
 */
export class SagaCompensator {
  private readonly logger = new Logger('SagaEngine');

  constructor(
    private readonly writer: SagaTransitionWriter,
    private readonly publisher: EventPublisher,
    private readonly options: ResolvedSagasOptions,
    private readonly metrics?: SagaMetrics,
  ) {}

  /** Starts compensating the completed steps, last first; a saga with nothing to undo is compensated at once. */
  async begin(def: SagaDefinition<unknown>, s: SagaState, version: number, reason: string): Promise<boolean> {
    const index = previousCompensable(def, s.completedSteps.length - 1);
    if (index < 0)
      return this.commit(s, version, { status: 'compensated', currentStep: -1, error: reason }, [
        { lifecycle: 'compensated' },
      ]);
    return this.commit(
      s,
      version,
      { status: 'compensating', currentStep: index, stepAttempt: 1, error: reason },
      [{ step: { saga: s.id, kind: 'compensate', step: index, attempt: 1 } }],
    );
  }

  async run(def: SagaDefinition<unknown>, s: SagaState, version: number, msg: StepMessage): Promise<void> {
    const step = def.steps[msg.step];
    const policy = mergeRetry(this.options.retry, step.retry, 'retry');
    const ctx = createStepContext(
      this.publisher,
      s,
      msg.step,
      'compensate',
      msg.attempt,
      policy.maxAttempts,
      step.name,
    );
    const started = performance.now();
    try {
      await step.compensate?.(structuredClone(s.data), ctx);
      if (step.compensate)
        this.metrics?.step(def.name, step.name, 'compensate', true, performance.now() - started);
    } catch (e) {
      this.metrics?.step(def.name, step.name, 'compensate', false, performance.now() - started);
      this.logger.warn(
        `saga ${def.name} ${s.id}: compensation of "${step.name}" attempt ${msg.attempt}/${policy.maxAttempts} failed: ${errorText(e)}`,
      );
      if (msg.attempt < policy.maxAttempts) {
        const next = { ...msg, attempt: msg.attempt + 1 };
        await this.commit(s, version, { stepAttempt: next.attempt }, [
          { step: next, delay: backoffDelay(policy, msg.attempt) },
        ]);
      } else {
        const error = `${s.error ?? 'compensating'}; compensation of step "${step.name}" failed after ${msg.attempt} attempt(s): ${errorText(e)}`;
        await this.commit(s, version, { status: 'failed', error }, [{ lifecycle: 'failed' }]);
      }
      return;
    }
    const next = previousCompensable(def, msg.step - 1);
    if (next < 0)
      await this.commit(s, version, { status: 'compensated', currentStep: -1 }, [
        { lifecycle: 'compensated' },
      ]);
    else
      await this.commit(s, version, { currentStep: next, stepAttempt: 1 }, [
        { step: { saga: s.id, kind: 'compensate', step: next, attempt: 1 } },
      ]);
  }

  private async commit(
    s: SagaState,
    version: number,
    changes: SagaChanges,
    out: Outgoing[],
  ): Promise<boolean> {
    const ok = await this.writer.commit(s, version, changes, out);
    if (!ok)
      this.logger.warn(
        `saga ${s.name} ${s.id}: lost the row to another instance (lease expired?); result discarded`,
      );
    return ok;
  }
}
