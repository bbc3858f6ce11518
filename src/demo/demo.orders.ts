import { randomUUID } from 'node:crypto';
import { FLAKY_MAIL_DOMAIN } from '../email/email.handlers.js';
import { OrderCreated, type OrderLine } from '../orders/order.events.js';
import { DECLINED_CARD } from '../payments/payment.gateway.js';

/** Stock the warehouse starts with. */
export const DEMO_STOCK: Record<string, number> = { 'BOOK-42': 5, 'MUG-7': 10, 'TEA-3': 10, 'PEN-1': 50 };

/**
 * The orders the demo places: Bob's mail server fails the first attempt (his e-mail is retried);
 * Carol's card is declined (her fulfilment saga is compensated: stock released, order cancelled).
 */
export function demoOrders(now = new Date()): OrderCreated[] {
  const order = (name: string, email: string, lines: OrderLine[], card = 'tok_visa') =>
    new OrderCreated(randomUUID(), { name, email }, lines, 'EUR', now.toISOString(), { token: card });
  return [
    order('Alice', 'alice@example.com', [{ sku: 'BOOK-42', quantity: 1, unitPrice: 29.9 }]),
    order('Bob', `bob${FLAKY_MAIL_DOMAIN}`, [
      { sku: 'MUG-7', quantity: 2, unitPrice: 12.5 },
      { sku: 'TEA-3', quantity: 1, unitPrice: 8.2 },
    ]),
    order('Carol', 'carol@example.com', [{ sku: 'PEN-1', quantity: 10, unitPrice: 1.95 }], DECLINED_CARD),
  ];
}

/** Orders whose confirmation e-mail fails once before it succeeds. */
export function flakyOrders(orders: OrderCreated[]): number {
  return orders.filter((o) => o.customer.email.endsWith(FLAKY_MAIL_DOMAIN)).length;
}

/** Orders whose payment is declined (their saga compensates). */
export function declinedOrders(orders: OrderCreated[]): number {
  return orders.filter((o) => o.payment?.token === DECLINED_CARD).length;
}
