import { Injectable } from '@nestjs/common';
import { OnEvent } from 'nestjs-amqp-events';
import {
  Projection,
  ProjectionService,
  type ProjectionContext,
  type ProjectionReset,
} from 'nestjs-amqp-events/event-sourcing';
import { DataSource, type EntityManager } from 'typeorm';
import { ORDER_SUMMARY_TABLE } from './order-summary.migration.js';
import {
  totalCents,
  type OrderCancelled,
  type OrderCreated,
  type OrderPaid,
  type OrderShipped,
} from './order.events.js';

const T = `"${ORDER_SUMMARY_TABLE}"`;

/**
 * The `order-summary` read model, fed from the event store in position order (not from a queue): each
 * batch of events is applied in one transaction with the projection's checkpoint, so every order event
 * is counted exactly once. `ProjectionService.rebuild('order-summary')` empties it (reset) and replays.
 */
@Projection('order-summary')
export class OrderSummaryProjection implements ProjectionReset {
  @OnEvent('Order.created')
  async created(e: OrderCreated, ctx: ProjectionContext): Promise<void> {
    await ctx.manager.query(
      `INSERT INTO ${T} ("order_id", "customer", "status", "amount_cents", "currency", "position") VALUES (?, ?, 'placed', ?, ?, ?)`,
      [e.id, e.customer.name, totalCents(e.lines), e.currency, ctx.position],
    );
  }

  @OnEvent('Order.paid')
  paid(e: OrderPaid, ctx: ProjectionContext): Promise<void> {
    return this.status(e.orderId, 'paid', ctx);
  }

  @OnEvent('Order.shipped')
  shipped(e: OrderShipped, ctx: ProjectionContext): Promise<void> {
    return this.status(e.orderId, 'shipped', ctx);
  }

  @OnEvent('Order.cancelled')
  cancelled(e: OrderCancelled, ctx: ProjectionContext): Promise<void> {
    return this.status(e.orderId, 'cancelled', ctx);
  }

  async reset(manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM ${T}`);
  }

  private async status(orderId: string, status: string, ctx: ProjectionContext): Promise<void> {
    await ctx.manager.query(`UPDATE ${T} SET "status" = ?, "position" = ? WHERE "order_id" = ?`, [
      status,
      ctx.position,
      orderId,
    ]);
  }
}

/** What the summary prints: orders and amounts per status, and in total. */
export interface OrderSummaryView {
  byStatus: Record<string, { orders: number; amountCents: number }>;
  orders: number;
  amountCents: number;
  /** Position of the last event the projection applied. */
  position: number;
}

/** Reads the order-summary view once the projection has caught up with the store. */
@Injectable()
export class OrderSummaryReader {
  constructor(
    private readonly dataSource: DataSource,
    private readonly projections: ProjectionService,
  ) {}

  /** Resolves once the projection applied every stored event (lag 0), or rejects after `timeoutMs`. */
  async caughtUp(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = (await this.projections.status()).find((s) => s.name === 'order-summary');
      if (status?.state === 'failed') throw new Error(`order-summary projection failed: ${status.error}`);
      if (status && status.lag === 0) return status.position;
      if (Date.now() > deadline)
        throw new Error(
          `order-summary projection still ${status?.lag ?? '?'} events behind after ${timeoutMs} ms`,
        );
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async view(timeoutMs = 5000): Promise<OrderSummaryView> {
    const position = await this.caughtUp(timeoutMs);
    const rows = (await this.dataSource.query(
      `SELECT "status", COUNT(*) AS "orders", SUM("amount_cents") AS "amount" FROM ${T} GROUP BY "status" ORDER BY "status"`,
    )) as Array<{ status: string; orders: number; amount: number }>;
    const byStatus = Object.fromEntries(
      rows.map((r) => [r.status, { orders: Number(r.orders), amountCents: Number(r.amount) }]),
    );
    return {
      byStatus,
      orders: rows.reduce((n, r) => n + Number(r.orders), 0),
      amountCents: rows.reduce((n, r) => n + Number(r.amount), 0),
      position,
    };
  }
}
