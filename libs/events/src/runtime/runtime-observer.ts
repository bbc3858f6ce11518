import type { EventEnvelope } from '../envelope/envelope.js';
import type { PublishOptions } from '../interfaces/publish-options.interface.js';

/** One event a publisher sent (or wrote to the outbox). */
export interface PublishedRecord {
  envelope: EventEnvelope;
  options: PublishOptions;
  delay: number;
  outbox: boolean;
}

/** `skipped`: the handler's `where` predicate refused the event (acked, handler not run). */
export type DeliveryOutcomeKind = 'handled' | 'skipped' | 'retried' | 'postponed' | 'dead-lettered';

/** What happened to one delivery of one event to one handler. */
export interface DeliveryRecord {
  handler: string;
  queue: string;
  /** Undefined for a message that could not be decoded. */
  envelope: EventEnvelope | undefined;
  attempt: number;
  outcome: DeliveryOutcomeKind;
  /** Dead-letter reason, when parked. */
  reason?: string;
  error?: unknown;
  /** Wait before the retry or postponed attempt. */
  delayMs?: number;
}

/** Listens to a bus (the test harness, FanIn, dashboards). Called synchronously; must not throw. */
export interface RuntimeObserver {
  published?(record: PublishedRecord): void;
  delivery?(record: DeliveryRecord): void;
}

/** The observers of one bus. Empty by default, so the hot paths pay one size check. */
export class RuntimeObservers {
  private readonly list = new Set<RuntimeObserver>();

  get active(): boolean {
    return this.list.size > 0;
  }

  add(observer: RuntimeObserver): () => void {
    this.list.add(observer);
    return () => this.list.delete(observer);
  }

  published(record: PublishedRecord): void {
    for (const o of this.list) o.published?.(record);
  }

  delivery(record: DeliveryRecord): void {
    for (const o of this.list) o.delivery?.(record);
  }
}
