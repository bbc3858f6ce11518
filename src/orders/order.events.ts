import { IntegrationEvent } from 'nestjs-amqp-events/cqrs';

/** Payloads of the events in the orders demo. */

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPrice: number;
}

/** How the customer pays: a card token of the (simulated) payment provider. */
export interface PaymentMethod {
  token: string;
}

/**
 * The first event of an Order aggregate's stream (src/orders/order.aggregate.ts). Appended to the event
 * store, it reaches the bus through the outbox, so the handlers subscribed to `Order.created` receive it.
 */
@IntegrationEvent('Order.created')
export class OrderCreated {
  constructor(
    readonly id: string,
    readonly customer: { name: string; email: string },
    readonly lines: OrderLine[],
    readonly currency: string,
    readonly placedAt: string,
    readonly payment?: PaymentMethod,
  ) {}
}

/** The fulfilment saga charged the customer. */
@IntegrationEvent('Order.paid')
export class OrderPaid {
  constructor(
    readonly orderId: string,
    readonly paymentId: string,
    readonly amountCents: number,
  ) {}
}

/** The fulfilment saga created the shipment. */
@IntegrationEvent('Order.shipped')
export class OrderShipped {
  constructor(
    readonly orderId: string,
    readonly shipmentId: string,
  ) {}
}

/** The fulfilment saga was compensated: stock released, nothing charged or refunded. */
@IntegrationEvent('Order.cancelled')
export class OrderCancelled {
  constructor(
    readonly orderId: string,
    readonly reason: string,
  ) {}
}

export interface InventoryReserved {
  orderId: string;
  reservations: Array<{ sku: string; quantity: number }>;
}

export interface InventoryReleased {
  orderId: string;
  reservations: Array<{ sku: string; quantity: number }>;
}

export interface InvoiceRequested {
  orderId: string;
  amount: number;
  currency: string;
}

export interface EmailSent {
  orderId: string;
  to: string;
  template: 'order-confirmation';
}

/** Amount of an order in cents. */
export function totalCents(lines: OrderLine[]): number {
  return lines.reduce((sum, l) => sum + Math.round(l.unitPrice * 100) * l.quantity, 0);
}

/** Event types of the demo, in the order a reader meets them (the audit handler sees each once). */
export const ORDER_EVENT_TYPES = [
  'Order.created',
  'Inventory.reserved',
  'Invoice.requested',
  'Email.sent',
  'Order.paid',
  'Order.shipped',
  'Inventory.released',
  'Order.cancelled',
  'Saga.started',
  'Saga.completed',
  'Saga.compensated',
] as const;

export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];
