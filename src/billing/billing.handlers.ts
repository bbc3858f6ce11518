import { Injectable } from '@nestjs/common';
import { OnEvent, type EventContext } from 'nestjs-amqp-events';
import { EventFlowRecorder } from '../flow/event-flow.recorder.js';
import type { InvoiceRequested, OrderCreated } from '../orders/order.events.js';

/** Asks billing for an invoice (queue `{service}.BillingHandlers.requestInvoice`). */
@Injectable()
export class BillingHandlers {
  constructor(private readonly flow: EventFlowRecorder) {}

  @OnEvent('Order.created')
  requestInvoice(order: OrderCreated, ctx: EventContext): Promise<void> {
    return this.flow.track('BillingHandlers.requestInvoice', ctx, async () => {
      const cents = order.lines.reduce((sum, l) => sum + Math.round(l.unitPrice * 100) * l.quantity, 0);
      const invoice: InvoiceRequested = { orderId: order.id, amount: cents / 100, currency: order.currency };
      await ctx.publish('Invoice.requested', invoice);
    });
  }
}
