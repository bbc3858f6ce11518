import type { SagaStepContext } from 'nestjs-amqp-events/sagas';
import { shortId } from './event-flow.recorder.js';

export interface TimelineEntry {
  /** ms since the timeline was created */
  at: number;
  sagaId: string;
  step: string;
  phase: 'execute' | 'compensate';
  attempt: number;
  maxAttempts: number;
  ok: boolean;
  /** What the step did, or why it failed. */
  note: string;
}

/**
 * Demo instrumentation for the fulfilment saga: every step run (execute or compensate, each attempt)
 * goes through `track()`, which prints one line and keeps the entry, so the demo can show each saga's
 * steps and compensations in order.
 */
export class SagaTimeline {
  readonly entries: TimelineEntry[] = [];
  private readonly startedAt = Date.now();

  constructor(private readonly print: (line: string) => void = () => undefined) {}

  async track<T>(
    ctx: SagaStepContext,
    phase: 'execute' | 'compensate',
    work: () => Promise<{ result: T; note: string }>,
  ): Promise<T> {
    try {
      const { result, note } = await work();
      this.add(ctx, phase, true, note);
      return result;
    } catch (e) {
      this.add(ctx, phase, false, e instanceof Error ? e.message : String(e));
      throw e;
    }
  }

  /** One saga's step runs, as `phase step ok|failed`, in the order they happened. */
  of(sagaId: string): string[] {
    return this.entries
      .filter((e) => e.sagaId === sagaId)
      .map((e) => `${e.phase} ${e.step} ${e.ok ? 'ok' : 'failed'}`);
  }

  private add(ctx: SagaStepContext, phase: 'execute' | 'compensate', ok: boolean, note: string): void {
    const entry: TimelineEntry = {
      at: Date.now() - this.startedAt,
      sagaId: ctx.sagaId,
      step: ctx.step,
      phase,
      attempt: ctx.attempt,
      maxAttempts: ctx.maxAttempts,
      ok,
      note,
    };
    this.entries.push(entry);
    const time = `+${String(entry.at).padStart(5)} ms`;
    const mark = ok ? (phase === 'compensate' ? '↩' : '✔') : '✘';
    this.print(
      `${time}  saga ${ctx.sagaName} ${shortId(ctx.correlationId)}  ${mark} ${phase.padEnd(10)} ${ctx.step.padEnd(15)} attempt ${ctx.attempt}/${ctx.maxAttempts}  ${note}`,
    );
  }
}
