import type { EventEnvelope } from '../envelope/envelope.js';
import type { PreparedEvent } from '../persistence-seam.js';

/** An outbox row as the relay reads it (snake_case, bigint columns may come back as strings). */
export interface OutboxRecord {
  id: string | number;
  event_id: string;
  correlation_id: string | null;
  envelope: string;
  payload: string;
  delay_ms: string | number;
  created_at: string | number;
}

/** A row ready to send: its id, correlationId and the event. */
export interface OutboxItem {
  id: string;
  correlationId: string | null;
  event: PreparedEvent;
}

/** Parameters of one row of the outbox insert, in OUTBOX_INSERT_COLUMNS order. Pure. */
export function outboxValues(event: PreparedEvent, now: number): unknown[] {
  const { data: _data, ...envelope } = event.envelope;
  return [
    envelope.id,
    envelope.type,
    envelope.correlationId ?? null,
    JSON.stringify(envelope),
    event.content.toString('utf8'),
    Math.round(event.delay),
    now,
  ];
}

/**
 * The event to send for a stored row, with the same id and envelope as when it was written. A delay counts
 * from the time the row was written, so a late relay never delays the event twice. Pure.
 */
export function outboxItem(row: OutboxRecord, now: number): OutboxItem {
  const envelope = JSON.parse(row.envelope) as Omit<EventEnvelope, 'data'>;
  const due = Number(row.created_at) + Number(row.delay_ms);
  return {
    id: String(row.id),
    correlationId: row.correlation_id,
    event: {
      envelope: { ...envelope, data: undefined },
      content: Buffer.from(row.payload, 'utf8'),
      delay: Number(row.delay_ms) > 0 ? Math.max(0, due - now) : 0,
    },
  };
}

/**
 * Groups rows into chains that must go out one after the other (same correlationId, in id order);
 * rows without a correlationId are chains of one. Pure.
 */
export function orderedChains(items: OutboxItem[]): OutboxItem[][] {
  const chains: OutboxItem[][] = [];
  const byCorrelation = new Map<string, OutboxItem[]>();
  for (const item of items) {
    if (item.correlationId === null) {
      chains.push([item]);
      continue;
    }
    let chain = byCorrelation.get(item.correlationId);
    if (!chain) {
      chain = [];
      byCorrelation.set(item.correlationId, chain);
      chains.push(chain);
    }
    chain.push(item);
  }
  return chains;
}
