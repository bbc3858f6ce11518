import { metrics, type Attributes, type Counter, type Histogram } from '@opentelemetry/api';

/** A saga lifecycle transition the metrics count. */
export type SagaOutcome = 'started' | 'completed' | 'compensated' | 'failed';

/** Counts of one saga definition (or of all of them). */
export interface SagaCounts {
  started: number;
  completed: number;
  compensated: number;
  failed: number;
}

export interface SagaMetricsSnapshot extends SagaCounts {
  /** Per saga definition name. */
  bySaga: Record<string, SagaCounts>;
  /** Step runs (`execute` and `compensate`, every attempt) that threw. */
  stepFailures: number;
  /** Duration of every step run (`execute` and `compensate`, every attempt). */
  stepDurationMs: { count: number; sum: number; max: number };
}

const emptyCounts = (): SagaCounts => ({ started: 0, completed: 0, compensated: 0, failed: 0 });

/**
 * Saga counters (started / completed / compensated / failed, labels: service, saga) and step duration
 * (histogram `sagas.step.duration`, labels: service, saga, step, phase, outcome), kept in memory for
 * `snapshot()` and reported through the OpenTelemetry metrics API like EventsMetrics (a no-op until the
 * app installs an SDK). Lifecycle counts are taken when the transition that causes them commits, so
 * they add up across instances: each saga is counted once per outcome.
 */
export class SagaMetrics {
  private readonly totals = emptyCounts();
  private readonly bySaga = new Map<string, SagaCounts>();
  private failures = 0;
  private readonly duration = { count: 0, sum: 0, max: 0 };
  private readonly sagaAttrs = new Map<string, Attributes>();
  private readonly stepAttrs = new Map<string, Attributes>();
  private readonly otel: Record<SagaOutcome, Counter> & { stepDuration: Histogram };

  constructor(private readonly service: string) {
    const meter = metrics.getMeter('nestjs-amqp-events');
    this.otel = {
      started: meter.createCounter('sagas.started', { description: 'sagas started' }),
      completed: meter.createCounter('sagas.completed', { description: 'sagas that completed' }),
      compensated: meter.createCounter('sagas.compensated', {
        description: 'sagas whose completed steps were compensated',
      }),
      failed: meter.createCounter('sagas.failed', {
        description: 'sagas parked as failed (a compensation failed for good)',
      }),
      stepDuration: meter.createHistogram('sagas.step.duration', {
        unit: 'ms',
        description: 'duration of a saga step run (execute or compensate, one attempt)',
      }),
    };
  }

  /** Counts one lifecycle transition of saga definition `saga`. */
  record(outcome: SagaOutcome, saga: string): void {
    this.totals[outcome]++;
    let counts = this.bySaga.get(saga);
    if (!counts) {
      counts = emptyCounts();
      if (this.bySaga.size < 1000) this.bySaga.set(saga, counts);
    }
    counts[outcome]++;
    this.otel[outcome].add(
      1,
      this.attrs(this.sagaAttrs, saga, () => ({ service: this.service, saga })),
    );
  }

  /** Records one run of a step's `execute` or `compensate` (one attempt). */
  step(saga: string, step: string, phase: 'execute' | 'compensate', ok: boolean, ms: number): void {
    if (!ok) this.failures++;
    this.duration.count++;
    this.duration.sum += ms;
    if (ms > this.duration.max) this.duration.max = ms;
    const outcome = ok ? 'ok' : 'error';
    const attrs = this.attrs(this.stepAttrs, `${saga}\u0000${step}\u0000${phase}\u0000${outcome}`, () => ({
      service: this.service,
      saga,
      step,
      phase,
      outcome,
    }));
    this.otel.stepDuration.record(ms, attrs);
  }

  snapshot(): SagaMetricsSnapshot {
    return {
      ...this.totals,
      bySaga: Object.fromEntries([...this.bySaga].map(([name, c]) => [name, { ...c }])),
      stepFailures: this.failures,
      stepDurationMs: { ...this.duration },
    };
  }

  /** Label sets are built once per key and reused. */
  private attrs(cache: Map<string, Attributes>, key: string, build: () => Attributes): Attributes {
    const found = cache.get(key);
    if (found) return found;
    const attrs = Object.freeze(build());
    if (cache.size < 10_000) cache.set(key, attrs);
    return attrs;
  }
}
