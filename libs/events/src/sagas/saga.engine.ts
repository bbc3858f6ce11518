import { Logger } from '@nestjs/common';
import { NonRetryableError } from '../errors/non-retryable.error.js';
import { TransientError } from '../errors/transient.error.js';
import { backoffDelay } from '../retry/backoff.js';
import type { SagaMetrics } from '../observability/saga-metrics.js';
import type { EventPublisher } from '../publisher/event-publisher.js';
import type { SagaDefinition } from './saga-definition.interface.js';
import { FINAL_STATUSES } from './saga-definition.interface.js';
import { errorText, type StepMessage } from './saga-messages.js';
import { createStepContext } from './saga-step.context.js';
import type { SagaCompensator } from './saga.compensator.js';
import { SagaLeaseKeeper } from './saga-lease.keeper.js';
import type { SagaTransitionWriter } from './saga-transition.writer.js';
import { mergeRetry, type ResolvedSagasOptions } from './sagas-options.js';
import type { SagaChanges, SagaState, SagaStore } from './saga.store.js';

/**
 * Runs one saga message: one step's execute or compensate, or a timeout/abort. Every outcome is one
 * transition committed with the messages it sends (see SagaTransitionWriter); stale messages (a transition
 * already made) are dropped. A step runs under a lease (the row claimed with a version bump), so a second
 * delivery of it elsewhere is postponed while the lease holds.
 */
export class SagaEngine {
  private readonly logger = new Logger('SagaEngine');
  private readonly lease: SagaLeaseKeeper;

  constructor(
    private readonly store: SagaStore,
    private readonly writer: SagaTransitionWriter,
    private readonly publisher: EventPublisher,
    private readonly options: ResolvedSagasOptions,
    private readonly compensator: SagaCompensator,
    private readonly metrics?: SagaMetrics,
  ) {
    this.lease = new SagaLeaseKeeper(store, options.leaseMs);
  }

  definition(s: SagaState): SagaDefinition<unknown> {
    const def = this.options.sagas.get(s.name);
    // another version of the service may know it (rolling deploy): postpone, never drop
    if (!def) throw new TransientError(`saga "${s.name}" (id ${s.id}) is not registered in this instance`);
    return def;
  }

  async handle(msg: StepMessage): Promise<void> {
    for (let round = 0; round < 5; round++) {
      const s = await this.store.get(msg.saga);
      if (!s || FINAL_STATUSES.has(s.status) || !this.relevant(s, msg)) return;
      const def = this.definition(s);
      if (s.lockedUntil !== null && s.lockedUntil > Date.now()) {
        throw new TransientError(`saga ${s.id} is running a step in another instance`);
      }
      if (msg.kind === 'execute' || msg.kind === 'compensate') {
        const version = await this.store.claim(s.id, s.version, this.options.leaseMs);
        if (version === undefined) continue; // moved meanwhile: look again
        // the lease is renewed while the step runs, so a step longer than leaseMs is not started elsewhere
        try {
          await this.lease.hold(s.id, version, () =>
            msg.kind === 'execute'
              ? this.execute(def, s, version, msg)
              : this.compensator.run(def, s, version, msg),
          );
        } catch (e) {
          // no transition committed (the database failed): free the saga for the redelivery at once
          // rather than after leaseMs
          await this.store.release(s.id, version).catch(() => undefined);
          throw e;
        }
        return;
      }
      const reason =
        msg.kind === 'abort'
          ? 'aborted'
          : msg.kind === 'timeout'
            ? `saga timed out after ${def.timeoutMs} ms`
            : `awaitEvents of step "${def.steps[s.currentStep].name}" timed out; missing: ${this.missing(def, s).join(', ')}`;
      if (await this.compensator.begin(def, s, s.version, reason)) return;
    }
    throw new TransientError(`saga ${msg.saga} kept changing under this instance`);
  }

  /** Is this message still what the saga waits for? */
  private relevant(s: SagaState, msg: StepMessage): boolean {
    switch (msg.kind) {
      case 'execute':
        return s.status === 'running' && s.currentStep === msg.step && s.stepAttempt === msg.attempt;
      case 'compensate':
        return s.status === 'compensating' && s.currentStep === msg.step && s.stepAttempt === msg.attempt;
      case 'await-timeout':
        return s.status === 'waiting' && s.currentStep === msg.step;
      default:
        return s.status === 'running' || s.status === 'waiting';
    }
  }

  missing(def: SagaDefinition<unknown>, s: SagaState): string[] {
    return (def.steps[s.currentStep]?.awaitEvents?.types ?? []).filter((t) => !(t in s.received));
  }

  private async execute(
    def: SagaDefinition<unknown>,
    s: SagaState,
    version: number,
    msg: StepMessage,
  ): Promise<void> {
    const step = def.steps[msg.step];
    const policy = mergeRetry(this.options.retry, step.retry, 'retry');
    const ctx = createStepContext(
      this.publisher,
      s,
      msg.step,
      'execute',
      msg.attempt,
      policy.maxAttempts,
      step.name,
    );
    let changes: unknown;
    const started = performance.now();
    try {
      changes = step.execute ? await step.execute(structuredClone(s.data), ctx) : undefined;
      this.metrics?.step(def.name, step.name, 'execute', true, performance.now() - started);
    } catch (e) {
      this.metrics?.step(def.name, step.name, 'execute', false, performance.now() - started);
      this.logger.warn(
        `saga ${def.name} ${s.id}: step "${step.name}" attempt ${msg.attempt}/${policy.maxAttempts} failed: ${errorText(e)}`,
      );
      if (msg.attempt < policy.maxAttempts && !(e instanceof NonRetryableError)) {
        const next = { ...msg, attempt: msg.attempt + 1 };
        await this.commit(s, version, { stepAttempt: next.attempt, error: errorText(e) }, [
          { step: next, delay: backoffDelay(policy, msg.attempt) },
        ]);
      } else {
        await this.compensator.begin(
          def,
          s,
          version,
          `step "${step.name}" failed after ${msg.attempt} attempt(s): ${errorText(e)}`,
        );
      }
      return;
    }
    const data = changes && typeof changes === 'object' ? { ...(s.data as object), ...changes } : s.data;
    if (step.awaitEvents) {
      const timeout = {
        step: { saga: s.id, kind: 'await-timeout' as const, step: msg.step, attempt: 1 },
        delay: step.awaitEvents.timeoutMs,
      };
      await this.commit(s, version, { status: 'waiting', data, stepAttempt: 1, received: {}, error: null }, [
        timeout,
      ]);
      return;
    }
    await this.advance(def, s, version, data, msg.step);
  }

  /** Records step `index` as done and moves to the next step (or completes). */
  async advance(
    def: SagaDefinition<unknown>,
    s: SagaState,
    version: number,
    data: unknown,
    index: number,
    extra: SagaChanges = {},
  ): Promise<boolean> {
    const completedSteps = [...s.completedSteps, def.steps[index].name];
    const next = index + 1;
    const base: SagaChanges = {
      ...extra,
      data,
      completedSteps,
      currentStep: next,
      stepAttempt: 1,
      error: null,
    };
    if (next >= def.steps.length)
      return this.commit(s, version, { ...base, status: 'completed' }, [{ lifecycle: 'completed' }]);
    return this.commit(s, version, { ...base, status: 'running' }, [
      { step: { saga: s.id, kind: 'execute', step: next, attempt: 1 } },
    ]);
  }

  private async commit(
    s: SagaState,
    version: number,
    changes: SagaChanges,
    out: Parameters<SagaTransitionWriter['commit']>[3],
  ): Promise<boolean> {
    const ok = await this.writer.commit(s, version, changes, out);
    if (!ok)
      this.logger.warn(
        `saga ${s.name} ${s.id}: lost the row to another instance (lease ${this.options.leaseMs} ms expired?); result discarded`,
      );
    return ok;
  }
}
