import type { DeadLetter } from '../dead-letter/dead-letter.js';
import { deadLetterDetails, deadLetterTable, renderTable } from './dead-letter.table.js';

const letter: DeadLetter = {
  id: 'e-1',
  type: 'Order.created',
  queue: 'billing.Orders.onCreated',
  reason: 'max-attempts',
  errorName: 'Error',
  errorMessage: 'database down\nsecond line',
  errorStack: 'Error: database down\n    at handler (x.ts:1:1)',
  attempts: 3,
  handler: 'Orders.onCreated',
  originalExchange: 'events',
  originalRoutingKey: 'Order.created',
  firstFailureAt: '2026-01-01T00:00:00.000Z',
  failedAt: '2026-01-01T00:00:03.000Z',
  host: 'web-1',
  correlationId: undefined,
  data: { orderId: 7 },
  rawBase64: '',
  headers: { 'x-attempts': 3, 'x-error-stack': 'long' },
};

describe('dead-letter tables', () => {
  it('aligns columns and cuts long cells', () => {
    const t = renderTable(
      ['A', 'BB'],
      [
        ['x', 'y'],
        ['long value', 'z'.repeat(20)],
      ],
      [20, 5],
    ).split('\n');
    expect(t[0]).toBe('A           BB');
    expect(t[1]).toBe('----------  -----');
    expect(t[3]).toBe('long value  zzzz…');
  });

  it('lists one line per dead letter with id, reason, attempts and the error on one line', () => {
    const lines = deadLetterTable([letter]).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ID\s+TYPE\s+REASON\s+ATTEMPTS\s+FAILED AT\s+HANDLER\s+ERROR$/);
    expect(lines[2]).toContain('e-1');
    expect(lines[2]).toContain('max-attempts');
    expect(lines[2]).toContain('Error: database down second line');
  });

  it('shows every field, the headers, the stack and the body', () => {
    const text = deadLetterDetails(letter);
    expect(text).toMatch(/original routing key\s+Order\.created/);
    expect(text).toMatch(/host\s+web-1/);
    expect(text).toContain('  x-attempts: 3');
    expect(text).not.toContain('x-error-stack: long');
    expect(text).toContain('    at handler (x.ts:1:1)');
    expect(text).toContain('"orderId": 7');
  });
});
