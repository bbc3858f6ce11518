import { EventSourcedAggregate } from 'nestjs-amqp-events/event-sourcing';
import { OrderCancelled, OrderCreated, OrderPaid, OrderShipped, totalCents } from './order.events.js';

export type OrderStatus = 'new' | 'placed' | 'paid' | 'shipped' | 'cancelled';

/**
 * The order, event-sourced: its state is rebuilt from its stream `Order-{id}` (`AggregateRepository.load`),
 * and its decisions are new events (`apply`), appended by `AggregateRepository.save` with the loaded
 * version as expectedVersion. The `on<Event>` methods are the only place that changes the state.
 * Commands that were already carried out are no-ops, so a saga step re-run after a crash appends nothing new.
 */
export class Order extends EventSourcedAggregate {
  status: OrderStatus = 'new';
  customer = '';
  currency = 'EUR';
  amountCents = 0;
  paymentId: string | null = null;
  shipmentId: string | null = null;

  place(details: OrderCreated): void {
    if (this.status !== 'new') throw new Error(`order ${this.id} is already ${this.status}`);
    this.apply(details);
  }

  markPaid(paymentId: string): void {
    if (this.paymentId === paymentId) return;
    if (this.status !== 'placed') throw new Error(`order ${this.id} is ${this.status}, cannot be paid`);
    this.apply(new OrderPaid(this.id, paymentId, this.amountCents));
  }

  ship(shipmentId: string): void {
    if (this.shipmentId === shipmentId) return;
    if (this.status !== 'paid') throw new Error(`order ${this.id} is ${this.status}, cannot be shipped`);
    this.apply(new OrderShipped(this.id, shipmentId));
  }

  cancel(reason: string): void {
    if (this.status === 'cancelled') return;
    if (this.status === 'shipped') throw new Error(`order ${this.id} is shipped, cannot be cancelled`);
    this.apply(new OrderCancelled(this.id, reason));
  }

  onOrderCreated(e: OrderCreated): void {
    this.status = 'placed';
    this.customer = e.customer.name;
    this.currency = e.currency;
    this.amountCents = totalCents(e.lines);
  }

  onOrderPaid(e: OrderPaid): void {
    this.status = 'paid';
    this.paymentId = e.paymentId;
  }

  onOrderShipped(e: OrderShipped): void {
    this.status = 'shipped';
    this.shipmentId = e.shipmentId;
  }

  onOrderCancelled(): void {
    this.status = 'cancelled';
  }
}
