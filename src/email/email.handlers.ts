import { Injectable } from '@nestjs/common';
import { OnEvent, type EventContext } from 'nestjs-amqp-events';
import { EventFlowRecorder } from '../flow/event-flow.recorder.js';
import type { EmailSent, OrderCreated } from '../orders/order.events.js';

/** Mail for addresses on this domain times out on the first attempt (a simulated flaky SMTP server). */
export const FLAKY_MAIL_DOMAIN = '@slow-mail.example';

/**
 * Sends the order confirmation (queue `{service}.EmailHandlers.sendConfirmation`). Its own retry
 * policy: up to 3 attempts, 300 ms apart. A throw is a failed attempt; the library schedules the
 * next one for this queue only, so inventory and billing never see the retry.
 */
@Injectable()
export class EmailHandlers {
  constructor(private readonly flow: EventFlowRecorder) {}

  @OnEvent('Order.created', { retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 300 } })
  sendConfirmation(order: OrderCreated, ctx: EventContext): Promise<void> {
    return this.flow.track('EmailHandlers.sendConfirmation', ctx, async () => {
      if (ctx.attempt === 1 && order.customer.email.endsWith(FLAKY_MAIL_DOMAIN)) {
        throw new Error(`SMTP timeout sending to ${order.customer.email} (simulated)`);
      }
      const sent: EmailSent = { orderId: order.id, to: order.customer.email, template: 'order-confirmation' };
      await ctx.publish('Email.sent', sent);
    });
  }
}
