import type { EventsMetricsSnapshot } from 'nestjs-amqp-events';
import type { SagaMetricsSnapshot, SagaStatus } from 'nestjs-amqp-events/sagas';
import type { OrderSummaryView } from '../orders/order-summary.projection.js';

/** One fulfilment saga at the end of the run. */
export interface SagaOutcome {
  id: string;
  customer: string;
  status: SagaStatus;
  completedSteps: string[];
  error?: string;
  /** Its step runs in order, as `phase step ok|failed` (from the demo's timeline). */
  timeline: string[];
}

/** What one run of the demo did. */
export interface DemoResult {
  transport: 'amqp' | 'memory';
  exchange: string;
  service: string;
  orders: number;
  durationMs: number;
  /** Events per type, as seen by the audit handler (which receives each event once). */
  eventsByType: Record<string, number>;
  /** Successful deliveries per handler. */
  handledByHandler: Record<string, number>;
  /** Handler attempts that threw. */
  failedAttempts: number;
  /** Retries the library scheduled (its metrics). */
  retries: number;
  /** Messages in this service's dead-letter queues at the end of the run. */
  deadLetters: number;
  /** The library's in-memory counters after shutdown. */
  metrics: EventsMetricsSnapshot;
  /** The fulfilment sagas, in the order their orders were placed. */
  sagas: SagaOutcome[];
  /** The saga module's counters. */
  sagaMetrics: SagaMetricsSnapshot;
  /** The order-summary projection's view, read from its table once it caught up with the store. */
  orderSummary: OrderSummaryView;
  /** Stock per SKU after the run (a compensated saga released what it had reserved). */
  stock: Record<string, number>;
}

function table(rows: Record<string, number>, indent = '    '): string[] {
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  return Object.entries(rows).map(([k, v]) => `${indent}${k.padEnd(width)}  ${String(v).padStart(3)}`);
}

const money = (cents: number) => `EUR ${(cents / 100).toFixed(2).padStart(7)}`;

function sagaLines(sagas: SagaOutcome[]): string[] {
  const width = Math.max(...sagas.map((s) => s.customer.length));
  return sagas.flatMap((s) => [
    `    ${s.customer.padEnd(width)}  ${s.id}  ${s.status}: ${s.timeline.join(' → ')}`,
    ...(s.error ? [`    ${' '.repeat(width)}  error: ${s.error}`] : []),
  ]);
}

export function formatSummary(r: DemoResult): string[] {
  const m = r.metrics;
  const sm = r.sagaMetrics;
  const view = r.orderSummary;
  const mean = sm.stepDurationMs.count ? sm.stepDurationMs.sum / sm.stepDurationMs.count : 0;
  return [
    '',
    `Summary: ${r.orders} orders in ${(r.durationMs / 1000).toFixed(1)} s (exchange ${r.exchange}${r.transport === 'memory' ? ', memory transport: no broker' : ''})`,
    '  events by type (each seen once by the audit handler):',
    ...table(r.eventsByType),
    '  deliveries handled, by handler:',
    ...table(r.handledByHandler),
    `  failed attempts: ${r.failedAttempts}   retries: ${r.retries}   dead letters: ${r.deadLetters}`,
    `  library metrics: published ${m.published}, handled ${m.handled}, failed ${m.failed}, retried ${m.retried}, dead-lettered ${m.deadLettered}`,
    '  fulfilment sagas (reserve stock → charge payment → create shipment):',
    ...sagaLines(r.sagas),
    `  saga metrics: started ${sm.started}, completed ${sm.completed}, compensated ${sm.compensated}, failed ${sm.failed}; ` +
      `${sm.stepDurationMs.count} step runs (${sm.stepFailures} failed), mean ${mean.toFixed(1)} ms, max ${sm.stepDurationMs.max.toFixed(1)} ms`,
    `  order-summary projection (read model fed from the event store, position ${view.position}):`,
    ...Object.entries(view.byStatus).map(
      ([status, v]) =>
        `    ${status.padEnd(10)} ${String(v.orders).padStart(3)} orders  ${money(v.amountCents)}`,
    ),
    `    ${'all'.padEnd(10)} ${String(view.orders).padStart(3)} orders  ${money(view.amountCents)}`,
    `  stock after the run: ${Object.entries(r.stock)
      .map(([sku, n]) => `${sku} ${n}`)
      .join(', ')}`,
  ];
}
