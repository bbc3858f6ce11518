import { Injectable } from '@nestjs/common';
import { AggregateRepository } from 'nestjs-amqp-events/event-sourcing';
import type { SagaStepContext } from 'nestjs-amqp-events/sagas';
import { SagaTimeline } from '../flow/saga-timeline.js';
import { Warehouse } from '../inventory/warehouse.js';
import { Order } from '../orders/order.aggregate.js';
import type { InventoryReleased, InventoryReserved } from '../orders/order.events.js';
import { PaymentGateway } from '../payments/payment.gateway.js';
import { ShippingService } from '../shipping/shipping.service.js';
import { FulfilmentSaga, type Fulfilment, type FulfilmentWork } from './fulfilment.saga.js';

const money = (cents: number, currency: string) => `${currency} ${(cents / 100).toFixed(2)}`;

/**
 * What the fulfilment saga's steps do. Each call is idempotent (keyed by the order or by the step's
 * `executionId`), because a step may run again after a crash. Order state changes are new events of the
 * Order aggregate, appended to the event store (and published through the outbox).
 */
@Injectable()
export class FulfilmentSteps implements FulfilmentWork {
  constructor(
    saga: FulfilmentSaga,
    private readonly orders: AggregateRepository,
    private readonly warehouse: Warehouse,
    private readonly payments: PaymentGateway,
    private readonly shipping: ShippingService,
    private readonly timeline: SagaTimeline,
  ) {
    saga.bind(this);
  }

  reserveStock(d: Fulfilment, ctx: SagaStepContext): Promise<void> {
    return this.timeline.track(ctx, 'execute', async () => {
      const reservations = this.warehouse.reserve(d.orderId, d.lines);
      const event: InventoryReserved = { orderId: d.orderId, reservations };
      await ctx.publish('Inventory.reserved', event); // event id = executionId:1, the same on a re-run
      return {
        result: undefined,
        note: `reserved ${reservations.map((r) => `${r.quantity}×${r.sku}`).join(', ')}`,
      };
    });
  }

  releaseStock(d: Fulfilment, ctx: SagaStepContext): Promise<void> {
    return this.timeline.track(ctx, 'compensate', async () => {
      const released = this.warehouse.release(d.orderId);
      const event: InventoryReleased = { orderId: d.orderId, reservations: released };
      await ctx.publish('Inventory.released', event);
      await this.change(d.orderId, (o) => o.cancel('fulfilment compensated'), ctx);
      return {
        result: undefined,
        note: `released ${released.map((r) => `${r.quantity}×${r.sku}`).join(', ')}; order cancelled`,
      };
    });
  }

  charge(d: Fulfilment, ctx: SagaStepContext): Promise<Partial<Fulfilment>> {
    return this.timeline.track(ctx, 'execute', async () => {
      const paymentId = this.payments.charge(d.paymentToken, d.amountCents, ctx.executionId);
      await this.change(d.orderId, (o) => o.markPaid(paymentId), ctx);
      return { result: { paymentId }, note: `charged ${money(d.amountCents, d.currency)} (${paymentId})` };
    });
  }

  refund(d: Fulfilment, ctx: SagaStepContext): Promise<void> {
    return this.timeline.track(ctx, 'compensate', async () => {
      if (d.paymentId) this.payments.refund(d.paymentId, ctx.executionId);
      return { result: undefined, note: d.paymentId ? `refunded ${d.paymentId}` : 'nothing charged' };
    });
  }

  ship(d: Fulfilment, ctx: SagaStepContext): Promise<Partial<Fulfilment>> {
    return this.timeline.track(ctx, 'execute', async () => {
      const shipmentId = this.shipping.create(d.orderId);
      await this.change(d.orderId, (o) => o.ship(shipmentId), ctx);
      return { result: { shipmentId }, note: `shipment ${shipmentId}` };
    });
  }

  /** Loads the order, runs a command on it and appends what it decided (nothing when it was a no-op). */
  private async change(orderId: string, command: (o: Order) => void, ctx: SagaStepContext): Promise<void> {
    const order = await this.orders.load(Order, orderId);
    if (!order) throw new Error(`no order ${orderId} in the event store`);
    command(order);
    if (order.getUncommittedEvents().length === 0) return;
    await this.orders.save(order, { correlationId: ctx.correlationId });
  }
}
