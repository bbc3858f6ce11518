import { Logger } from '@nestjs/common';
import { runDemo } from '../../src/demo/demo.runner.js';
import type { DemoResult } from '../../src/demo/demo.summary.js';
import { AMQP_URL, connectRaw } from '../support/broker.js';

// Since the demo keeps an event-sourced Order and runs a fulfilment saga per order, its flow is:
// Order.created (appended, published through the outbox) → FulfilmentHandlers.start (saga), Billing,
// Email (fails once for Bob), Audit; the saga reserves stock (Inventory.reserved), charges (Order.paid)
// and ships (Order.shipped), except for Carol, whose card is declined: her saga releases the stock
// (Inventory.released) and cancels the order (Order.cancelled). InventoryHandlers is gone: reserving
// stock is the saga's first step now, so Inventory.reserved still comes once per order.
const EVENTS_BY_TYPE = {
  'Order.created': 3,
  'Inventory.reserved': 3,
  'Invoice.requested': 3,
  'Email.sent': 3,
  'Order.paid': 2,
  'Order.shipped': 2,
  'Inventory.released': 1,
  'Order.cancelled': 1,
  'Saga.started': 3,
  'Saga.completed': 2,
  'Saga.compensated': 1,
};

function expectCompleteRun(result: DemoResult, lines: string[]): void {
  expect(result.orders).toBe(3);
  expect(result.eventsByType).toEqual(EVENTS_BY_TYPE);
  expect(result.handledByHandler).toEqual({
    'FulfilmentHandlers.start': 3,
    'BillingHandlers.requestInvoice': 3,
    'EmailHandlers.sendConfirmation': 3,
    'AuditHandlers.record': 24,
  });
  expect(result.failedAttempts).toBe(1);
  expect(result.retries).toBe(1);
  expect(result.deadLetters).toBe(0);
  expect(result.metrics).toMatchObject({ failed: 1, retried: 1, deadLettered: 0 });

  // the projection's view: one row per order, by status, with amounts in cents
  expect(result.orderSummary).toMatchObject({
    byStatus: {
      shipped: { orders: 2, amountCents: 2990 + 3320 },
      cancelled: { orders: 1, amountCents: 1950 },
    },
    orders: 3,
    amountCents: 2990 + 3320 + 1950,
  });
  // 3 Order.created + 2 Order.paid + 2 Order.shipped + 1 Order.cancelled in the store, all applied
  expect(result.orderSummary.position).toBe(8);

  // the sagas: two completed, Carol's compensated after the declined charge, stock released
  expect(result.sagas.map((s) => [s.customer, s.status])).toEqual([
    ['Alice', 'completed'],
    ['Bob', 'completed'],
    ['Carol', 'compensated'],
  ]);
  const [alice, , carol] = result.sagas;
  expect(alice.completedSteps).toEqual(['reserve-stock', 'charge-payment', 'create-shipment']);
  expect(alice.timeline).toEqual([
    'execute reserve-stock ok',
    'execute charge-payment ok',
    'execute create-shipment ok',
  ]);
  expect(carol.completedSteps).toEqual(['reserve-stock']);
  expect(carol.error).toMatch(/step "charge-payment" failed after 1 attempt\(s\).*card declined/);
  expect(carol.timeline).toEqual([
    'execute reserve-stock ok',
    'execute charge-payment failed',
    'compensate reserve-stock ok',
  ]);
  expect(result.stock).toEqual({ 'BOOK-42': 4, 'MUG-7': 8, 'TEA-3': 9, 'PEN-1': 50 });
  expect(result.sagaMetrics).toMatchObject({
    started: 3,
    completed: 2,
    compensated: 1,
    failed: 0,
    stepFailures: 1,
    stepDurationMs: { count: 9 },
  });

  // the printed timeline shows the declined charge, then the compensation
  const declined = lines.findIndex((l) => /✘ execute\s+charge-payment .*card declined/.test(l));
  const released = lines.findIndex((l) => /↩ compensate\s+reserve-stock .*released 10×PEN-1/.test(l));
  expect(declined).toBeGreaterThanOrEqual(0);
  expect(released).toBeGreaterThan(declined);
  // and the summary prints the projection's view
  expect(lines).toContainEqual(expect.stringMatching(/^ {4}shipped\s+2 orders\s+EUR\s+63\.10$/));
  expect(lines).toContainEqual(expect.stringMatching(/^ {4}cancelled\s+1 orders\s+EUR\s+19\.50$/));
  expect(lines.some((l) => l.startsWith('Summary: 3 orders'))).toBe(true);
}

describe('orders demo (npm start) end to end', () => {
  it('handles every order and follow-up once, runs the fulfilment sagas, projects the orders, and removes its topology', async () => {
    const lines: string[] = [];
    const result = await runDemo({
      uri: AMQP_URL,
      timeoutMs: 20_000,
      print: (line) => lines.push(line),
      logger: process.env.TEST_LOGS ? new Logger() : false,
    });
    expectCompleteRun(result, lines);

    // the retried e-mail shows up as attempt 1 failing and attempt 2 succeeding, in that order
    const email = lines.filter(
      (l) => l.includes('EmailHandlers.sendConfirmation') && l.includes('attempt 2/3'),
    );
    expect(email).toHaveLength(1);
    const failed = lines.findIndex((l) => /✘ EmailHandlers\.sendConfirmation\s+attempt 1\/3/.test(l));
    expect(failed).toBeGreaterThanOrEqual(0);
    expect(lines.indexOf(email[0])).toBeGreaterThan(failed);

    // nothing of the run is left on the broker
    const conn = await connectRaw();
    try {
      for (const name of [
        `${result.service}.AuditHandlers.record`,
        `${result.service}.sagas`,
        `${result.exchange}.services.${result.service}`,
        `${result.exchange}.delay.00`,
      ]) {
        const ch = await conn.createChannel();
        ch.on('error', () => undefined);
        await expect(ch.checkQueue(name)).rejects.toThrow(/NOT_FOUND/);
      }
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      await expect(ch.checkExchange(result.exchange)).rejects.toThrow(/NOT_FOUND/);
    } finally {
      await conn.close();
    }
  }, 40_000);

  it('runs the same flow on the memory transport, with no broker', async () => {
    const lines: string[] = [];
    const result = await runDemo({
      transport: 'memory',
      uri: 'amqp://127.0.0.1:1',
      timeoutMs: 20_000,
      print: (line) => lines.push(line),
      logger: false,
    });
    expect(result.transport).toBe('memory');
    expectCompleteRun(result, lines);
    expect(lines[0]).toMatch(/MEMORY TRANSPORT/);
  }, 40_000);
});
