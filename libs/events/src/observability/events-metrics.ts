import { metrics, type Counter, type Histogram } from '@opentelemetry/api';

export interface EventsMetricsSnapshot {
  published: number;
  handled: number;
  /** Deliveries a handler's `where` predicate refused (acked, not run). */
  skipped: number;
  failed: number;
  retried: number;
  deadLettered: number;
  handlerDurationMs: { count: number; sum: number; max: number };
}

/**
 * Counters for published / handled / retried / dead-lettered events and handler duration, kept in
 * memory (for the health indicator and tests) and reported through the OpenTelemetry metrics API
 * (a no-op until the app installs an SDK).
 */
export class EventsMetrics {
  private readonly snap: EventsMetricsSnapshot = {
    published: 0,
    handled: 0,
    skipped: 0,
    failed: 0,
    retried: 0,
    deadLettered: 0,
    handlerDurationMs: { count: 0, sum: 0, max: 0 },
  };
  private readonly otel: {
    published: Counter;
    handled: Counter;
    skipped: Counter;
    retried: Counter;
    deadLettered: Counter;
    duration: Histogram;
  };

  constructor(private readonly service: string) {
    const meter = metrics.getMeter('nestjs-amqp-events');
    this.otel = {
      published: meter.createCounter('events.published'),
      handled: meter.createCounter('events.handled'),
      skipped: meter.createCounter('events.skipped'),
      retried: meter.createCounter('events.retried'),
      deadLettered: meter.createCounter('events.dead_lettered'),
      duration: meter.createHistogram('events.handler.duration', { unit: 'ms' }),
    };
  }

  snapshot(): EventsMetricsSnapshot {
    return { ...this.snap, handlerDurationMs: { ...this.snap.handlerDurationMs } };
  }

  published(type: string): void {
    this.snap.published++;
    this.otel.published.add(1, { service: this.service, type });
  }

  handled(handler: string, ms: number): void {
    this.snap.handled++;
    this.duration(handler, ms, 'ok');
    this.otel.handled.add(1, { service: this.service, handler });
  }

  skipped(handler: string): void {
    this.snap.skipped++;
    this.otel.skipped.add(1, { service: this.service, handler });
  }

  failed(handler: string, ms: number): void {
    this.snap.failed++;
    this.duration(handler, ms, 'error');
  }

  retried(handler: string): void {
    this.snap.retried++;
    this.otel.retried.add(1, { service: this.service, handler });
  }

  deadLettered(handler: string, type?: string): void {
    this.snap.deadLettered++;
    this.otel.deadLettered.add(1, { service: this.service, handler, type: type ?? 'unknown' });
  }

  private duration(handler: string, ms: number, outcome: string): void {
    const d = this.snap.handlerDurationMs;
    d.count++;
    d.sum += ms;
    if (ms > d.max) d.max = ms;
    this.otel.duration.record(ms, { service: this.service, handler, outcome });
  }
}
