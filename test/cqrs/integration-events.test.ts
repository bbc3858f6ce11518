import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import {
  AggregateRoot,
  CommandHandler,
  EventBus,
  EventPublisher as CqrsEventPublisher,
  EventsHandler,
  ofType,
  Saga,
  type ICommandHandler,
  type IEvent,
  type IEventHandler,
} from '@nestjs/cqrs';
import { map, type Observable } from 'rxjs';
import { OnEvent } from 'nestjs-amqp-events';
import { IntegrationEvent } from 'nestjs-amqp-events/cqrs';
import { deleteTopology, queueDepth, uniqueName } from '../support/broker.js';
import { takeAll } from '../support/raw-queue.js';
import { waitFor } from '../support/wait.js';
import { createCqrsApp } from './support.js';

jest.setTimeout(40_000);

@IntegrationEvent('Order.placed', { dates: ['placedAt'] })
class OrderPlaced {
  constructor(
    readonly orderId: string,
    readonly total: number,
    readonly placedAt: Date,
  ) {}
}

@IntegrationEvent('Order.cancelled')
class OrderCancelled {
  constructor(readonly orderId: string) {}
}

/** Stays in the process: not an integration event. */
class OrderViewed {
  constructor(readonly orderId: string) {}
}

class ShipOrder {
  constructor(readonly orderId: string) {}
}

class Order extends AggregateRoot {
  constructor(readonly id: string) {
    super();
  }
  place(total: number) {
    this.apply(
      Object.assign(new OrderPlaced(this.id, total, new Date('2026-01-02T03:04:05.000Z')), {
        channel: 'web',
      }),
    );
  }
}

describe('@nestjs/cqrs events over RabbitMQ (two services)', () => {
  const exchange = uniqueName('cqrs');
  const orders = uniqueName('orders');
  const shipping = uniqueName('shipping');
  let appA: INestApplicationContext;
  let appB: INestApplicationContext;

  const seenA: unknown[] = [];
  const viewedA: unknown[] = [];
  const seenB: unknown[] = [];
  const shippedB: ShipOrder[] = [];
  const rawB: unknown[] = [];
  let cancelAttempts = 0;

  @EventsHandler(OrderPlaced, OrderViewed)
  class OrdersLocalHandler implements IEventHandler<OrderPlaced | OrderViewed> {
    handle(event: OrderPlaced | OrderViewed) {
      (event instanceof OrderPlaced ? seenA : viewedA).push(event);
    }
  }

  @Injectable()
  class OrderService {
    constructor(private readonly publisher: CqrsEventPublisher) {}
    place(id: string) {
      const order = this.publisher.mergeObjectContext(new Order(id));
      order.place(42);
      order.commit();
    }
  }

  @EventsHandler(OrderPlaced)
  class ShippingHandler implements IEventHandler<OrderPlaced> {
    handle(event: OrderPlaced) {
      seenB.push(event);
    }
  }

  @EventsHandler(OrderCancelled)
  class CancellationHandler implements IEventHandler<OrderCancelled> {
    handle() {
      cancelAttempts++;
      throw new Error('cannot cancel a shipped order');
    }
  }

  @Injectable()
  class ShippingSagas {
    @Saga()
    orderPlaced = (events$: Observable<IEvent>) =>
      events$.pipe(
        ofType(OrderPlaced),
        map((e) => new ShipOrder(e.orderId)),
      );
  }

  /** A plain @OnEvent handler next to the bridge's queues gets the raw payload, as any consumer. */
  @Injectable()
  class ShippingAudit {
    @OnEvent('Order.placed')
    onPlaced(data: unknown) {
      rawB.push(data);
    }
  }

  @CommandHandler(ShipOrder)
  class ShipOrderHandler implements ICommandHandler<ShipOrder> {
    execute(cmd: ShipOrder) {
      shippedB.push(cmd);
      return Promise.resolve();
    }
  }

  beforeAll(async () => {
    appA = await createCqrsApp({ exchange, service: orders }, [OrdersLocalHandler, OrderService]);
    appB = await createCqrsApp(
      { exchange, service: shipping, retry: { maxAttempts: 2, backoff: 'fixed', initialDelayMs: 100 } },
      [ShippingHandler, CancellationHandler, ShippingSagas, ShipOrderHandler, ShippingAudit],
    );
  });
  afterAll(async () => {
    await appA?.close();
    await appB?.close();
    const queues = [
      `${shipping}.ShippingAudit.onPlaced`,
      `${orders}.OrdersLocalHandler`,
      `${shipping}.ShippingHandler`,
      `${shipping}.CancellationHandler`,
      `${shipping}.Sagas`,
    ];
    await deleteTopology(exchange, queues);
  });

  it("reaches A's local handler once, B's handler and B's saga once each, and never echoes", async () => {
    appA.get(OrderService).place('o-1');
    await waitFor(() => seenB.length === 1 && shippedB.length === 1, "B's handler and saga");
    expect(seenA).toHaveLength(1);

    const received = seenB[0] as OrderPlaced & { channel?: string };
    expect(received).toBeInstanceOf(OrderPlaced);
    expect(received.placedAt).toBeInstanceOf(Date);
    expect(received.placedAt.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(received).toMatchObject({ orderId: 'o-1', total: 42, channel: 'web' });
    expect(shippedB[0]).toEqual(new ShipOrder('o-1'));
    await waitFor(() => rawB.length === 1, 'the @OnEvent handler');
    expect(rawB[0]).toEqual({
      orderId: 'o-1',
      total: 42,
      placedAt: '2026-01-02T03:04:05.000Z',
      channel: 'web',
    });

    // a later event is a barrier: whatever the first one could have caused has been delivered by then
    appA.get(OrderService).place('o-2');
    await waitFor(() => seenB.length === 2 && shippedB.length === 2, 'the second order');
    await waitFor(async () => (await queueDepth(`${orders}.OrdersLocalHandler`)) === 0, "A's own copy acked");
    expect(seenA).toHaveLength(2);
    expect(seenB).toHaveLength(2);
    expect(shippedB).toHaveLength(2);
  });

  it('keeps events that are not integration events in the process', async () => {
    await appA.get(EventBus).publish(new OrderViewed('o-1'));
    expect(viewedA).toHaveLength(1);
    const unrouted = await takeAll(`${exchange}.unrouted`);
    expect(unrouted.map((m) => m.properties.type)).not.toContain('OrderViewed');
  });

  it('resolves eventBus.publish() once the broker confirmed the integration event', async () => {
    const receipts = (await appA.get(EventBus).publish(new OrderCancelled('o-3'))) as Array<{
      confirmed: boolean;
      type: string;
    }>;
    expect(receipts).toEqual([expect.objectContaining({ confirmed: true, type: 'Order.cancelled' })]);
  });

  it('sends a failing CQRS handler through retries to its dead-letter queue', async () => {
    await waitFor(
      async () => (await queueDepth(`${shipping}.CancellationHandler.dlq`)) === 1,
      'the dead-lettered cancellation',
      15_000,
    );
    expect(cancelAttempts).toBe(2);
    const [parked] = await takeAll(`${shipping}.CancellationHandler.dlq`);
    expect(parked.properties.headers).toMatchObject({
      'x-error-message': 'cannot cancel a shipped order',
      'x-attempts': 2,
      'x-handler': 'CancellationHandler.handle',
    });
  });
});
