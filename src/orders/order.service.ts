import { Injectable } from '@nestjs/common';
import { EventPublisher, type PublishReceipt } from 'nestjs-amqp-events';
import type { OrderCreated } from './order.events.js';

/** Places orders: publishes `Order.created` and resolves once RabbitMQ confirmed it. */
@Injectable()
export class OrderService {
  constructor(private readonly events: EventPublisher) {}

  place(order: OrderCreated): Promise<PublishReceipt> {
    // the order id doubles as the correlation id: every follow-up event of this order carries it
    return this.events.publish('Order.created', order, { correlationId: order.id });
  }
}
