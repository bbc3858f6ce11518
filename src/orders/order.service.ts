import { Injectable } from '@nestjs/common';
import { AggregateRepository, type AppendResult } from 'nestjs-amqp-events/event-sourcing';
import { Order } from './order.aggregate.js';
import type { OrderCreated } from './order.events.js';

/**
 * Places orders: a new Order aggregate whose `Order.created` is appended to the event store. The append
 * writes the outbox in the same transaction, so the event reaches RabbitMQ iff it was stored.
 */
@Injectable()
export class OrderService {
  constructor(private readonly orders: AggregateRepository) {}

  place(details: OrderCreated): Promise<AppendResult> {
    const order = new Order(details.id);
    order.place(details);
    // the order id doubles as the correlation id: every follow-up event of this order carries it
    return this.orders.save(order, { correlationId: details.id });
  }
}
