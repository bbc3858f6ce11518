import type { EventsMetricsSnapshot } from 'nestjs-amqp-events';

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
}

function table(rows: Record<string, number>, indent = '    '): string[] {
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  return Object.entries(rows).map(([k, v]) => `${indent}${k.padEnd(width)}  ${String(v).padStart(3)}`);
}

export function formatSummary(r: DemoResult): string[] {
  const m = r.metrics;
  return [
    '',
    `Summary: ${r.orders} orders in ${(r.durationMs / 1000).toFixed(1)} s (exchange ${r.exchange}${r.transport === 'memory' ? ', memory transport: no broker' : ''})`,
    '  events by type (each seen once by the audit handler):',
    ...table(r.eventsByType),
    '  deliveries handled, by handler:',
    ...table(r.handledByHandler),
    `  failed attempts: ${r.failedAttempts}   retries: ${r.retries}   dead letters: ${r.deadLetters}`,
    `  library metrics: published ${m.published}, handled ${m.handled}, failed ${m.failed}, retried ${m.retried}, dead-lettered ${m.deadLettered}`,
  ];
}
