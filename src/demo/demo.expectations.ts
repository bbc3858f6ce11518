import type { EventFlowRecorder } from '../flow/event-flow.recorder.js';
import { ORDER_EVENT_TYPES } from '../orders/order.events.js';

export const AUDIT_HANDLER = 'AuditHandlers.record';

/** What a complete run handles: counts per handler, and per event type as seen by the audit handler. */
export interface ExpectedFlow {
  byHandler: Record<string, number>;
  byType: Record<string, number>;
}

export function expectedFlow(orders: number): ExpectedFlow {
  return {
    byHandler: {
      'InventoryHandlers.reserveStock': orders,
      'BillingHandlers.requestInvoice': orders,
      'EmailHandlers.sendConfirmation': orders,
      // Order.created and its three follow-ups
      [AUDIT_HANDLER]: orders * ORDER_EVENT_TYPES.length,
    },
    byType: Object.fromEntries(ORDER_EVENT_TYPES.map((t) => [t, orders])),
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
