import type { EventContext } from 'nestjs-amqp-events';

export interface FlowEntry {
  /** ms since the recorder was created */
  at: number;
  handler: string;
  type: string;
  attempt: number;
  maxAttempts: number;
  correlationId: string;
  ok: boolean;
  error?: string;
}

type Waiter = () => void;

/**
 * Demo instrumentation: every handler runs its work through `track()`, which prints one line when a
 * delivery reaches the handler (so lines appear in causal order: an event before its follow-ups), one
 * more when the attempt fails, and keeps the counts the demo waits on. Waiting is event-driven: a
 * condition is re-checked on every finished delivery, never by polling or sleeping.
 */
export class EventFlowRecorder {
  readonly entries: FlowEntry[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly startedAt = Date.now();

  constructor(private readonly print: (line: string) => void = () => undefined) {}

  async track<T>(handler: string, ctx: EventContext, work: () => Promise<T>): Promise<T> {
    this.print(this.line('→', handler, ctx));
    try {
      const result = await work();
      this.add(handler, ctx, undefined);
      return result;
    } catch (e) {
      this.add(handler, ctx, e instanceof Error ? e.message : String(e));
      throw e;
    }
  }

  /** Successful deliveries, optionally filtered by handler and event type. */
  handled(handler?: string, type?: string): number {
    return this.entries.filter(
      (e) => e.ok && (!handler || e.handler === handler) && (!type || e.type === type),
    ).length;
  }

  failures(): FlowEntry[] {
    return this.entries.filter((e) => !e.ok);
  }

  /**
   * Resolves once `condition()` holds; rejects after `timeoutMs` with `describe()` (what is missing),
   * or as soon as `signal` aborts.
   */
  until(
    condition: () => boolean,
    timeoutMs: number,
    describe: () => string,
    signal?: AbortSignal,
  ): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      const waiter: Waiter = () => {
        if (condition()) done();
      };
      const onAbort = () => done(new Error(`stopped while waiting for the event flow: ${describe()}`));
      const timer = setTimeout(
        () => done(new Error(`the event flow did not complete within ${timeoutMs} ms: ${describe()}`)),
        timeoutMs,
      );
      this.waiters.add(waiter);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private line(mark: string, handler: string, ctx: EventContext): string {
    const time = `+${String(Date.now() - this.startedAt).padStart(5)} ms`;
    const corr = shortId(ctx.correlationId ?? ctx.id);
    return `${time}  ${ctx.type.padEnd(18)} ${mark} ${handler.padEnd(31)} attempt ${ctx.attempt}/${ctx.maxAttempts}  corr ${corr}`;
  }

  private add(handler: string, ctx: EventContext, error: string | undefined): void {
    const entry: FlowEntry = {
      at: Date.now() - this.startedAt,
      handler,
      type: ctx.type,
      attempt: ctx.attempt,
      maxAttempts: ctx.maxAttempts,
      correlationId: ctx.correlationId ?? ctx.id,
      ok: error === undefined,
      error,
    };
    this.entries.push(entry);
    if (error !== undefined) {
      const next = ctx.attempt < ctx.maxAttempts ? 'retry scheduled' : 'no attempts left';
      this.print(`${this.line('✘', handler, ctx)}  failed: ${error} → ${next}`);
    }
    for (const w of [...this.waiters]) w();
  }
}

export function shortId(id: string): string {
  return id.replace(/-/g, '').slice(0, 8);
}
