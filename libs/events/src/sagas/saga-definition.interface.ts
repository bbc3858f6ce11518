import type { PublishOptions, PublishReceipt } from '../interfaces/publish-options.interface.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';

/** Where a saga stands. `completed`, `compensated` and `failed` are final. */
export type SagaStatus = 'running' | 'waiting' | 'compensating' | 'completed' | 'compensated' | 'failed';

/** What a step's `execute` / `compensate` is given besides the saga's data. */
export interface SagaStepContext {
  readonly sagaId: string;
  readonly sagaName: string;
  readonly step: string;
  /**
   * Stable across re-runs of this step of this saga (retries, redeliveries after a crash):
   * `${sagaId}:${stepIndex}:${stepName}` (compensation: with `:compensate`). Use it as an idempotency key.
   */
  readonly executionId: string;
  /** 1-based attempt of this step (re-runs after a crash keep the number). */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** The saga's correlation key (its id unless the definition's `correlate` says otherwise). */
  readonly correlationId: string;
  /**
   * Publishes an event whose id defaults to `${executionId}:${n}` (n = 1, 2, ... within this run), with
   * the saga's correlation id: a re-run of a deterministic step publishes the same ids, never different events.
   */
  publish<E = unknown>(type: string, data: E, options?: PublishOptions): Promise<PublishReceipt>;
}

/** Payloads of the events an `awaitEvents` step received, by event type. */
export type ReceivedEvents = Record<string, unknown>;

/** Suspends the saga (`waiting`) until every listed event type with the saga's correlation key arrived. */
export interface SagaAwaitEvents<T> {
  types: string[];
  /** Give up (and compensate) after this long. */
  timeoutMs: number;
  /** Changes to the saga's data from the received events. */
  merge?(data: T, events: ReceivedEvents): Partial<T> | void;
}

export interface SagaStep<T = unknown> {
  name: string;
  /** Does the step's work; may return changes to the data (merged shallowly). Throw to fail the attempt. */
  execute?(data: T, ctx: SagaStepContext): Partial<T> | void | Promise<Partial<T> | void>;
  /** Undoes the step after a later step failed for good (or on timeout / abort). */
  compensate?(data: T, ctx: SagaStepContext): unknown;
  /** Retry policy of `execute` and `compensate`; merged over the saga module's default. */
  retry?: Partial<RetryPolicy>;
  /** Makes this an awaitEvents step (after `execute`, if any, succeeded). */
  awaitEvents?: SagaAwaitEvents<T>;
}

export interface SagaDefinition<T = unknown> {
  /** Unique among the module's sagas; letters, digits, `_`, `-`, `.`. */
  name: string;
  steps: Array<SagaStep<T>>;
  /** Compensate a saga that has not finished this long after its start. */
  timeoutMs?: number;
  /** Correlation key that `awaitEvents` steps match against the events' correlationId. @default the saga id */
  correlate?(data: T, sagaId: string): string;
}

/** A saga as stored. */
export interface SagaInstance<T = unknown> {
  id: string;
  name: string;
  data: T;
  status: SagaStatus;
  /** Running: index of the step to execute; compensating: of the step to compensate next. */
  currentStep: number;
  /** Names of the steps whose `execute` committed, in order. */
  completedSteps: string[];
  error?: string;
  correlationId: string;
  /** Optimistic-concurrency version, bumped by every update. */
  version: number;
  startedAt: Date;
  updatedAt: Date;
}

export interface SagaStartOptions {
  /** Saga id (unique). @default a random UUID */
  id?: string;
  /** A TypeORM EntityManager in a transaction: the saga starts iff that transaction commits. */
  transaction?: unknown;
}

export interface SagaListFilter {
  name?: string;
  status?: SagaStatus | SagaStatus[];
  /** @default 100 */
  limit?: number;
}

export const FINAL_STATUSES: ReadonlySet<SagaStatus> = new Set(['completed', 'compensated', 'failed']);
