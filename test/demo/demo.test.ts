import { Logger } from '@nestjs/common';
import { runDemo } from '../../src/demo/demo.runner.js';
import { AMQP_URL, connectRaw } from '../support/broker.js';

describe('orders demo (npm start) end to end', () => {
  it('handles every order and follow-up once, retries the flaky e-mail once, and removes its topology', async () => {
    const lines: string[] = [];
    const result = await runDemo({
      uri: AMQP_URL,
      timeoutMs: 20_000,
      print: (line) => lines.push(line),
      logger: process.env.TEST_LOGS ? new Logger() : false,
    });

    expect(result.orders).toBe(3);
    expect(result.eventsByType).toEqual({
      'Order.created': 3,
      'Inventory.reserved': 3,
      'Invoice.requested': 3,
      'Email.sent': 3,
    });
    expect(result.handledByHandler).toEqual({
      'InventoryHandlers.reserveStock': 3,
      'BillingHandlers.requestInvoice': 3,
      'EmailHandlers.sendConfirmation': 3,
      'AuditHandlers.record': 12,
    });
    expect(result.failedAttempts).toBe(1);
    expect(result.retries).toBe(1);
    expect(result.deadLetters).toBe(0);
    // 3 orders + 9 follow-ups published; 21 successful deliveries; the retry is not a new publish
    expect(result.metrics).toMatchObject({
      published: 12,
      handled: 21,
      failed: 1,
      retried: 1,
      deadLettered: 0,
    });

    // the retried e-mail shows up as attempt 1 failing and attempt 2 succeeding, in that order
    const email = lines.filter(
      (l) => l.includes('EmailHandlers.sendConfirmation') && l.includes('attempt 2/3'),
    );
    expect(email).toHaveLength(1);
    const failed = lines.findIndex((l) => /✘ EmailHandlers\.sendConfirmation\s+attempt 1\/3/.test(l));
    expect(failed).toBeGreaterThanOrEqual(0);
    expect(lines.indexOf(email[0])).toBeGreaterThan(failed);
    expect(lines.some((l) => l.startsWith('Summary: 3 orders'))).toBe(true);

    // nothing of the run is left on the broker
    const conn = await connectRaw();
    try {
      for (const name of [`${result.service}.AuditHandlers.record`, `${result.exchange}.delay.00`]) {
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
    expect(result.eventsByType).toEqual({
      'Order.created': 3,
      'Inventory.reserved': 3,
      'Invoice.requested': 3,
      'Email.sent': 3,
    });
    expect(result.metrics).toMatchObject({
      published: 12,
      handled: 21,
      failed: 1,
      retried: 1,
      deadLettered: 0,
    });
    expect(lines[0]).toMatch(/MEMORY TRANSPORT/);
  }, 40_000);
});
