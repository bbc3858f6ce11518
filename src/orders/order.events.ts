/** Payloads of the events in the orders demo. */

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPrice: number;
}

export interface OrderCreated {
  id: string;
  customer: { name: string; email: string };
  lines: OrderLine[];
  currency: string;
  placedAt: string;
}

export interface InventoryReserved {
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

/** Event types of the demo, in the order a reader meets them. */
export const ORDER_EVENT_TYPES = [
  'Order.created',
  'Inventory.reserved',
  'Invoice.requested',
  'Email.sent',
] as const;
