import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { SagaAlreadyExistsError } from '../errors/saga-already-exists.error.js';
import { SagaNotFoundError } from '../errors/saga-not-found.error.js';
import { UnknownSagaError } from '../errors/unknown-saga.error.js';
import { isUniqueViolation } from '../persistence/database-errors.js';
import type { EventPublisher } from '../publisher/event-publisher.js';
import type { SagaInstance, SagaListFilter, SagaStartOptions } from './saga-definition.interface.js';
import { FINAL_STATUSES } from './saga-definition.interface.js';
import { stepMessageId, stepType, type StepMessage } from './saga-messages.js';
import type { Outgoing, SagaTransitionWriter } from './saga-transition.writer.js';
import type { ResolvedSagasOptions } from './sagas-options.js';
import { toInstance, type SagaState, type SagaStore } from './saga.store.js';

/** Starts, reads and aborts sagas. Steps run on the service's saga queue (see docs/sagas.md). */
export class SagaOrchestrator {
  constructor(
    private readonly store: SagaStore,
    private readonly writer: SagaTransitionWriter,
    private readonly publisher: EventPublisher,
    private readonly options: ResolvedSagasOptions,
    private readonly service: string,
  ) {}

  /**
   * Stores the saga and sends its first step, in one transaction (the caller's with `transaction`: then
   * the saga starts iff that transaction commits). Durable once it resolves.
   */
  async start<T>(name: string, data: T, options: SagaStartOptions = {}): Promise<SagaInstance<T>> {
    const def = this.options.sagas.get(name);
    if (!def) throw new UnknownSagaError(name, [...this.options.sagas.keys()]);
    const id = options.id ?? randomUUID();
    const now = Date.now();
    const correlationId = def.correlate ? def.correlate(data as never, id) : id;
    const s: SagaState = {
      id,
      name,
      data,
      status: 'running',
      currentStep: 0,
      stepAttempt: 1,
      completedSteps: [],
      received: {},
      correlationId,
      version: 0,
      lockedUntil: null,
      startedAt: new Date(now),
      updatedAt: new Date(now),
    };
    const out: Outgoing[] = [
      { step: { saga: id, kind: 'execute', step: 0, attempt: 1 } },
      { lifecycle: 'started' },
    ];
    if (def.timeoutMs)
      out.push({ step: { saga: id, kind: 'timeout', step: 0, attempt: 1 }, delay: def.timeoutMs });
    const work = async (manager: EntityManager) => {
      try {
        await this.store.insert(manager, {
          id,
          name,
          correlationKey: correlationId,
          status: 'running',
          data: JSON.stringify(data ?? null),
          currentStep: 0,
          stepAttempt: 1,
          completedSteps: '[]',
          startedAt: now,
          updatedAt: now,
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw new SagaAlreadyExistsError(id, { cause: e });
        throw e;
      }
      await this.publisher.publishAll(this.writer.items(s, {}, out, manager));
    };
    if (options.transaction) await work(options.transaction as EntityManager);
    else await this.store.transaction(work);
    // counted once start() resolves (inside a caller transaction: before that transaction commits)
    this.writer.counted(name, out);
    return toInstance(s) as SagaInstance<T>;
  }

  async get<T = unknown>(id: string): Promise<SagaInstance<T> | undefined> {
    const s = await this.store.get(id);
    return s ? (toInstance(s) as SagaInstance<T>) : undefined;
  }

  async list<T = unknown>(filter: SagaListFilter = {}): Promise<Array<SagaInstance<T>>> {
    return (await this.store.list(filter)).map((s) => toInstance(s) as SagaInstance<T>);
  }

  /**
   * Compensates the saga now (its completed steps, last first). A step running elsewhere finishes first;
   * a saga already compensating or final is left as it is. Resolves once the abort is sent.
   */
  async abort(id: string): Promise<SagaInstance> {
    const s = await this.store.get(id);
    if (!s) throw new SagaNotFoundError(id);
    if (FINAL_STATUSES.has(s.status) || s.status === 'compensating') return toInstance(s);
    const msg: StepMessage = { saga: id, kind: 'abort', step: s.currentStep, attempt: 1 };
    await this.publisher.publish(stepType(this.service), msg, {
      id: stepMessageId(msg),
      correlationId: s.correlationId,
    });
    return toInstance(s);
  }
}
