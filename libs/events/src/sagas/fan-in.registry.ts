import { Injectable } from '@nestjs/common';
import { FanInTimeoutError } from '../errors/fan-in-timeout.error.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';

/** An event as FanIn sees it. */
export interface FanInEvent<T = unknown> {
  type: string;
  correlationId?: string;
  id: string;
  data: T;
}

interface Waiter {
  types: Set<string>;
  received: Map<string, FanInEvent>;
  resolve(events: Record<string, FanInEvent>): void;
}

/**
 * In-process fan-in: `waitForAll(correlationId, types, { timeoutMs })` resolves once an event of every type
 * with that correlationId was `notify`-ed here, or rejects with FanInTimeoutError naming what arrived and
 * what is missing. Not durable (a restart forgets waits; events seen before the call are not counted):
 * the durable form is an `awaitEvents` saga step. No queue per call; a timed-out wait leaves nothing behind.
 */
@Injectable()
export class FanIn {
  private readonly waiters = new Map<string, Set<Waiter>>();

  /** Number of waits in progress (for tests and metrics). */
  get pending(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  waitForAll(
    correlationId: string,
    types: string[],
    options: { timeoutMs: number },
  ): Promise<Record<string, FanInEvent>> {
    if (typeof correlationId !== 'string' || correlationId === '')
      throw new InvalidOptionsError('waitForAll.correlationId', 'expected a non-empty string');
    if (!Array.isArray(types) || types.length === 0)
      throw new InvalidOptionsError('waitForAll.types', 'expected a non-empty list of event types');
    const timeoutMs = options?.timeoutMs;
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0))
      throw new InvalidOptionsError('waitForAll.timeoutMs', 'expected a number of ms > 0');
    return new Promise((resolve, reject) => {
      let set = this.waiters.get(correlationId);
      if (!set) this.waiters.set(correlationId, (set = new Set()));
      const remove = () => {
        set.delete(waiter);
        if (set.size === 0 && this.waiters.get(correlationId) === set) this.waiters.delete(correlationId);
      };
      const timer = setTimeout(() => {
        remove();
        const arrived = [...waiter.received.keys()];
        reject(
          new FanInTimeoutError(
            correlationId,
            arrived,
            [...waiter.types].filter((t) => !waiter.received.has(t)),
            timeoutMs,
          ),
        );
      }, timeoutMs);
      timer.unref?.();
      const waiter: Waiter = {
        types: new Set(types),
        received: new Map(),
        resolve: (events) => {
          clearTimeout(timer);
          remove();
          resolve(events);
        },
      };
      set.add(waiter);
    });
  }

  /** Offers an event delivered to this instance; the first event of each type per wait counts. */
  notify(event: FanInEvent): void {
    if (!event.correlationId) return;
    const set = this.waiters.get(event.correlationId);
    if (!set) return;
    for (const waiter of [...set]) {
      if (!waiter.types.has(event.type) || waiter.received.has(event.type)) continue;
      waiter.received.set(event.type, event);
      if (waiter.received.size === waiter.types.size) waiter.resolve(Object.fromEntries(waiter.received));
    }
  }
}
