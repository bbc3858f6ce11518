import type { SagaDefinition } from './saga-definition.interface.js';

/** What a message on the saga queue asks for. */
export type StepKind = 'execute' | 'compensate' | 'timeout' | 'abort' | 'await-timeout';

/** Body of a `Saga.{service}.step` message. */
export interface StepMessage {
  saga: string;
  kind: StepKind;
  step: number;
  attempt: number;
}

/** Body of a `Saga.{service}.tick` message (EventScheduler). */
export interface TickMessage {
  schedule: string;
  tick: number;
}

export type SagaLifecycle = 'started' | 'completed' | 'compensated' | 'failed';

/** Payload of `Saga.started|completed|compensated|failed`. */
export interface SagaLifecycleEvent {
  id: string;
  name: string;
  status: string;
  error?: string;
}

export const STEP_TYPE_PATTERN = 'Saga.{service}.step';
export const TICK_TYPE_PATTERN = 'Saga.{service}.tick';
export const SAGA_QUEUE = '{service}.sagas';
export const SAGA_EVENTS_QUEUE = '{service}.sagas-events';

/**
 * The delivery retry policy of the two saga queues. A step's own failures are counted by the saga
 * (its `stepAttempt`, with the step's policy); at the queue, an attempt is mostly a broker redelivery
 * after an instance died. Every message that instance had prefetched comes back counted, though only one
 * was running, so a few crashes in a row (a rolling restart, a crash-looping deploy) would park step
 * messages that never ran, and their sagas would stall. Ten attempts, half a second apart: a step that
 * kills every process running it still ends in the DLQ, after ten crashes.
 */
export const SAGA_DELIVERY_RETRY = { maxAttempts: 10, backoff: 'fixed', initialDelayMs: 500 } as const;

export const stepType = (service: string) => `Saga.${service}.step`;
export const tickType = (service: string) => `Saga.${service}.tick`;

/** Deterministic id of a step message: a re-sent copy of one transition has the same id. */
export const stepMessageId = (m: StepMessage) => `${m.saga}:${m.kind}:${m.step}:${m.attempt}`;

/** The stable execution id a step run gets, whatever the attempt. */
export function executionId(
  sagaId: string,
  index: number,
  stepName: string,
  kind: 'execute' | 'compensate',
): string {
  return `${sagaId}:${index}:${stepName}${kind === 'compensate' ? ':compensate' : ''}`;
}

/** Highest index <= from of a step with a compensate(), or -1. Pure. */
export function previousCompensable(def: SagaDefinition<unknown>, from: number): number {
  for (let i = Math.min(from, def.steps.length - 1); i >= 0; i--) if (def.steps[i].compensate) return i;
  return -1;
}

export function isStepMessage(x: unknown): x is StepMessage {
  const m = x as Partial<StepMessage> | null;
  return (
    !!m &&
    typeof m.saga === 'string' &&
    ['execute', 'compensate', 'timeout', 'abort', 'await-timeout'].includes(m.kind as string) &&
    Number.isInteger(m.step) &&
    Number.isInteger(m.attempt)
  );
}

export function isTickMessage(x: unknown): x is TickMessage {
  const m = x as Partial<TickMessage> | null;
  return !!m && typeof m.schedule === 'string' && Number.isInteger(m.tick);
}

export function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
