import { Injectable } from '@nestjs/common';
import { OnEvent, type EventContext } from 'nestjs-amqp-events';
import { EventFlowRecorder } from '../flow/event-flow.recorder.js';
import type { InventoryReserved, OrderCreated } from '../orders/order.events.js';

/** Reserves stock for a new order (queue `{service}.InventoryHandlers.reserveStock`). */
@Injectable()
export class InventoryHandlers {
  constructor(private readonly flow: EventFlowRecorder) {}

  @OnEvent('Order.created')
  reserveStock(order: OrderCreated, ctx: EventContext): Promise<void> {
    return this.flow.track('InventoryHandlers.reserveStock', ctx, async () => {
      const reserved: InventoryReserved = {
        orderId: order.id,
        reservations: order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      };
      await ctx.publish('Inventory.reserved', reserved);
    });
  }
}
