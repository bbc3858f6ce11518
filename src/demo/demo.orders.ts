import { randomUUID } from 'node:crypto';
import { FLAKY_MAIL_DOMAIN } from '../email/email.handlers.js';
import type { OrderCreated } from '../orders/order.events.js';

/** The orders the demo places; Bob's mail server fails the first attempt, so his e-mail is retried. */
export function demoOrders(now = new Date()): OrderCreated[] {
  const order = (name: string, email: string, lines: OrderCreated['lines']): OrderCreated => ({
    id: randomUUID(),
    customer: { name, email },
    lines,
    currency: 'EUR',
    placedAt: now.toISOString(),
  });
  return [
    order('Alice', 'alice@example.com', [{ sku: 'BOOK-42', quantity: 1, unitPrice: 29.9 }]),
    order('Bob', `bob${FLAKY_MAIL_DOMAIN}`, [
      { sku: 'MUG-7', quantity: 2, unitPrice: 12.5 },
      { sku: 'TEA-3', quantity: 1, unitPrice: 8.2 },
    ]),
    order('Carol', 'carol@example.com', [{ sku: 'PEN-1', quantity: 10, unitPrice: 1.95 }]),
  ];
}

/** Orders whose confirmation e-mail fails once before it succeeds. */
export function flakyOrders(orders: OrderCreated[]): number {
  return orders.filter((o) => o.customer.email.endsWith(FLAKY_MAIL_DOMAIN)).length;
}
