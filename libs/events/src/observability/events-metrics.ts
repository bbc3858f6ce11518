import {
  metrics,
  type Attributes,
  type Counter,
  type Histogram,
  type ObservableCallback,
  type ObservableGauge,
} from '@opentelemetry/api';

/** One reading of a handler queue, for the queue-depth gauges. */
export interface QueueDepthSample {
  queue: string;
  /** Messages ready in the queue: how far its consumers are behind (consumer lag in messages). */
  messages: number;
  /** Consumers attached to the queue, when known. */
  consumers?: number;
}

/** Reads the current depth of the queues to report; called on every metrics collection. */
export type QueueDepthSource = () => QueueDepthSample[] | Promise<QueueDepthSample[]>;

export interface EventsMetricsSnapshot {
  published: number;
  handled: number;
  /** Deliveries acked without running the handler: its `where` predicate refused them, or they were redeliveries its inbox had already processed. */
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
  private readonly typeAttrs = new Map<string, Attributes>();
  private readonly byHandler = new Map<string, Attributes>();
  private readonly durationAttrs = {
    ok: new Map<string, Attributes>(),
    error: new Map<string, Attributes>(),
  };
  private readonly otel: {
    published: Counter;
    handled: Counter;
    skipped: Counter;
    retried: Counter;
    deadLettered: Counter;
    duration: Histogram;
    depth: ObservableGauge;
    consumers: ObservableGauge;
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
      depth: meter.createObservableGauge('events.queue.depth', {
        unit: '{message}',
        description: 'messages ready in a handler queue (consumer lag)',
      }),
      consumers: meter.createObservableGauge('events.queue.consumers', {
        unit: '{consumer}',
        description: 'consumers attached to a handler queue',
      }),
    };
  }

  /**
   * Reports `events.queue.depth` and `events.queue.consumers` (labels: service, queue) from `source`,
   * read at each collection by the app's metric reader. Returns a function that stops reporting. A
   * source that fails is skipped for that collection.
   */
  observeQueueDepth(source: QueueDepthSource): () => void {
    const labels = (queue: string) => ({ service: this.service, queue });
    let last: QueueDepthSample[] = [];
    const read: ObservableCallback = async (result) => {
      last = await Promise.resolve()
        .then(source)
        .catch(() => [] as QueueDepthSample[]);
      for (const s of last) result.observe(s.messages, labels(s.queue));
    };
    const readConsumers: ObservableCallback = (result) => {
      for (const s of last) if (s.consumers !== undefined) result.observe(s.consumers, labels(s.queue));
    };
    this.otel.depth.addCallback(read);
    this.otel.consumers.addCallback(readConsumers);
    return () => {
      this.otel.depth.removeCallback(read);
      this.otel.consumers.removeCallback(readConsumers);
    };
  }

  snapshot(): EventsMetricsSnapshot {
    return { ...this.snap, handlerDurationMs: { ...this.snap.handlerDurationMs } };
  }

  published(type: string): void {
    this.snap.published++;
    this.otel.published.add(
      1,
      this.typeAttrs.get(type) ?? remember(this.typeAttrs, type, { service: this.service, type }),
    );
  }

  handled(handler: string, ms: number): void {
    this.snap.handled++;
    this.duration(handler, ms, 'ok');
    this.otel.handled.add(1, this.handlerAttrs(handler));
  }

  skipped(handler: string): void {
    this.snap.skipped++;
    this.otel.skipped.add(1, this.handlerAttrs(handler));
  }

  failed(handler: string, ms: number): void {
    this.snap.failed++;
    this.duration(handler, ms, 'error');
  }

  retried(handler: string): void {
    this.snap.retried++;
    this.otel.retried.add(1, this.handlerAttrs(handler));
  }

  deadLettered(handler: string, type?: string): void {
    this.snap.deadLettered++;
    this.otel.deadLettered.add(1, { service: this.service, handler, type: type ?? 'unknown' });
  }

  private duration(handler: string, ms: number, outcome: 'ok' | 'error'): void {
    const d = this.snap.handlerDurationMs;
    d.count++;
    d.sum += ms;
    if (ms > d.max) d.max = ms;
    const byHandler = this.durationAttrs[outcome];
    this.otel.duration.record(
      ms,
      byHandler.get(handler) ?? remember(byHandler, handler, { service: this.service, handler, outcome }),
    );
  }

  private handlerAttrs(handler: string): Attributes {
    return (
      this.byHandler.get(handler) ?? remember(this.byHandler, handler, { service: this.service, handler })
    );
  }
}

/** Label sets are built once per type/handler and reused, so counting an event allocates nothing. */
function remember(cache: Map<string, Attributes>, key: string, attrs: Attributes): Attributes {
  Object.freeze(attrs);
  if (cache.size < 10_000) cache.set(key, attrs);
  return attrs;
}
