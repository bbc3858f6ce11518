import type { EventFlowRecorder } from '../flow/event-flow.recorder.js';
import type { OrderEventType } from '../orders/order.events.js';

export const AUDIT_HANDLER = 'AuditHandlers.record';

/** Handlers of the demo, by `Class.method` (their queues are `{service}.{Class}.{method}`). */
export const DEMO_HANDLERS = [
  'FulfilmentHandlers.start',
  'BillingHandlers.requestInvoice',
  'EmailHandlers.sendConfirmation',
  AUDIT_HANDLER,
] as const;

/** What a complete run handles: counts per handler, and per event type as seen by the audit handler. */
export interface ExpectedFlow {
  byHandler: Record<string, number>;
  byType: Record<OrderEventType, number>;
}

/** `orders` placed, of which `declined` have a card that is declined (their sagas compensate). */
export function expectedFlow(orders: number, declined = 0): ExpectedFlow {
  const fulfilled = orders - declined;
  const byType: Record<OrderEventType, number> = {
    'Order.created': orders,
    'Inventory.reserved': orders,
    'Invoice.requested': orders,
    'Email.sent': orders,
    'Order.paid': fulfilled,
    'Order.shipped': fulfilled,
    'Inventory.released': declined,
    'Order.cancelled': declined,
    'Saga.started': orders,
    'Saga.completed': fulfilled,
    'Saga.compensated': declined,
  };
  return {
    byHandler: {
      'FulfilmentHandlers.start': orders,
      'BillingHandlers.requestInvoice': orders,
      'EmailHandlers.sendConfirmation': orders,
      [AUDIT_HANDLER]: Object.values(byType).reduce((a, b) => a + b, 0),
    },
    byType,
  };
}

/** What is still missing (empty when the flow is complete). */
export function missingFromFlow(recorder: EventFlowRecorder, expected: ExpectedFlow): string[] {
  const missing: string[] = [];
  for (const [handler, want] of Object.entries(expected.byHandler)) {
    const got = recorder.handled(handler);
    if (got < want) missing.push(`${handler} handled ${got}/${want}`);
  }
  for (const [type, want] of Object.entries(expected.byType)) {
    const got = recorder.handled(AUDIT_HANDLER, type);
    if (got < want) missing.push(`${type} audited ${got}/${want}`);
  }
  return missing;
}
