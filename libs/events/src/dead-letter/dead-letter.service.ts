import type { EventsRuntime } from '../runtime/events-runtime.js';
import type { DeadLetter } from './dead-letter.js';

/** What `onDeadLettered` listeners receive. */
export interface DeadLetteredNotice {
  queue: string;
  handler: string;
  /** Undefined for a message that could not be decoded. */
  id: string | undefined;
  type: string | undefined;
  reason: string;
  attempts: number;
  error: unknown;
}

/**
 * Inspect, replay and purge the dead-letter queues (`{queue}.dlq`) of one bus's handlers (every
 * handler subscribed on it: `@OnEvent`, cqrs, remote requests, microservices, sagas).
 */
export class DeadLetterService {
  constructor(private readonly runtime: EventsRuntime) {}

  /** Dead letters of one handler queue, or of every handler queue of this bus; not removed. */
  async list(queue?: string, opts: { limit?: number } = {}): Promise<DeadLetter[]> {
    const limit = opts.limit ?? 100;
    const out: DeadLetter[] = [];
    for (const q of this.queues(queue)) {
      if (out.length >= limit) break;
      out.push(...(await this.store().list(q, limit - out.length)));
    }
    return out;
  }

  async count(queue?: string): Promise<number> {
    let total = 0;
    for (const q of this.queues(queue)) total += await this.store().count(q);
    return total;
  }

  /** Back to that queue only, attempts reset; removed from the DLQ once the republish is confirmed. */
  replay(queue: string, ids?: string[]): Promise<string[]> {
    return this.store().replay(queue, ids);
  }

  purge(queue: string): Promise<number> {
    return this.store().purge(queue);
  }

  /**
   * Calls `listener` each time this instance parks a message in a DLQ (after the copy was confirmed):
   * for alerts, tickets or dashboards. Returns a function that stops listening. The
   * `events.dead_lettered` counter counts the same moments.
   */
  onDeadLettered(listener: (letter: DeadLetteredNotice) => void): () => void {
    return this.runtime.observers.add({
      delivery: (r) => {
        if (r.outcome !== 'dead-lettered') return;
        try {
          listener({
            queue: r.queue,
            handler: r.handler,
            id: r.envelope?.id,
            type: r.envelope?.type,
            reason: r.reason ?? 'unknown',
            attempts: r.attempt,
            error: r.error,
          });
        } catch {
          // a listener's failure must not affect the delivery path
        }
      },
    });
  }

  /** Handler queues of this bus, in subscription order. */
  queueNames(): string[] {
    return this.runtime.registrations().map((r) => r.queue);
  }

  private queues(queue?: string): string[] {
    return queue ? [queue] : this.queueNames();
  }

  private store() {
    return this.runtime.transport.deadLetters();
  }
}
