import type { PreparedEvent } from '../persistence-seam.js';
import {
  orderedChains,
  outboxItem,
  outboxValues,
  type OutboxItem,
  type OutboxRecord,
} from './outbox-row.codec.js';

const event = (over: Partial<PreparedEvent['envelope']> = {}, delay = 0): PreparedEvent => ({
  envelope: {
    id: 'e-1',
    type: 'Order.created',
    source: 'billing',
    time: '2026-01-01T00:00:00.000Z',
    data: { a: 1 },
    priority: 7,
    correlationId: 'c-1',
    causationId: 'x-0',
    attempt: 1,
    headers: { tenant: 't1' },
    ...over,
  },
  content: Buffer.from('{"a":1}'),
  delay,
});

function asRecord(values: unknown[], id: number): OutboxRecord {
  const [event_id, , correlation_id, envelope, payload, delay_ms, created_at] = values as [
    string,
    string,
    string | null,
    string,
    string,
    number,
    number,
  ];
  return { id, event_id, correlation_id, envelope, payload, delay_ms, created_at };
}

describe('outbox row codec', () => {
  it('stores an event and reads back the same envelope and bytes (data travels as the payload only)', () => {
    const values = outboxValues(event(), 1000);
    expect(values[0]).toBe('e-1');
    expect(JSON.parse(values[3] as string)).not.toHaveProperty('data');
    const item = outboxItem(asRecord(values, 42), 1000);
    expect(item.id).toBe('42');
    expect(item.correlationId).toBe('c-1');
    expect(item.event.content.toString()).toBe('{"a":1}');
    const { data: _d, ...rest } = event().envelope;
    expect(item.event.envelope).toEqual({ ...rest, data: undefined });
    expect(item.event.delay).toBe(0);
  });

  it('counts a delay from the time the row was written', () => {
    const values = outboxValues(event({}, 5000), 1000);
    expect(outboxItem(asRecord(values, 1), 3000).event.delay).toBe(3000);
    expect(outboxItem(asRecord(values, 1), 9000).event.delay).toBe(0);
  });

  it('reads bigint columns returned as strings', () => {
    const values = outboxValues(event({ correlationId: undefined }), 1000);
    const record = { ...asRecord(values, 1), id: '9007199254740993', delay_ms: '0', created_at: '1000' };
    const item = outboxItem(record, 1000);
    expect(item.id).toBe('9007199254740993');
    expect(item.correlationId).toBeNull();
  });

  it('groups rows into chains per correlationId in order; rows without one stand alone', () => {
    const item = (id: string, correlationId: string | null) => ({ id, correlationId }) as OutboxItem;
    const chains = orderedChains([
      item('1', 'a'),
      item('2', null),
      item('3', 'b'),
      item('4', 'a'),
      item('5', null),
      item('6', 'b'),
    ]);
    expect(chains.map((c) => c.map((i) => i.id))).toEqual([['1', '4'], ['2'], ['3', '6'], ['5']]);
  });
});
