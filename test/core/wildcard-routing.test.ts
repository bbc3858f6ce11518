import { jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { EventPublisher, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { deleteTopology, queueDepth, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(20_000);

describe('wildcard routing against RabbitMQ', () => {
  const exchange = uniqueName('wild');
  const service = uniqueName('svc');
  const queues = ['one', 'many', 'all'].map((m) => `${service}.Wildcards.${m}`);
  let app: INestApplicationContext;
  const seen = { one: [] as string[], many: [] as string[], all: [] as string[] };

  @Injectable()
  class Wildcards {
    @OnEvent('Order.*')
    one(_d: unknown, ctx: EventContext) {
      seen.one.push(ctx.type);
    }

    @OnEvent('Order.#')
    many(_d: unknown, ctx: EventContext) {
      seen.many.push(ctx.type);
    }

    @OnEvent('#')
    all(_d: unknown, ctx: EventContext) {
      seen.all.push(ctx.type);
    }
  }

  beforeAll(async () => {
    app = await createEventsApp({ exchange, service }, [Wildcards]);
  });
  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, queues);
  });

  it('routes `Order.*` to one segment, `Order.#` to zero or more, `#` to everything', async () => {
    const types = [
      'Order',
      'Order.created',
      'Order.shipped',
      'Order.item.added',
      'Order.item.removed.v2',
      'Orders.created',
      'Invoice.paid',
      'Invoice.Order.created',
      'created.Order',
      'order.created',
    ];
    const publisher = app.get(EventPublisher);
    for (const t of types) await publisher.publish(t, { t });

    await waitFor(() => seen.all.length === types.length, '`#` to see every event');
    await waitFor(() => seen.many.length === 5 && seen.one.length === 2, 'the narrower handlers');
    for (const q of queues) expect(await queueDepth(q)).toBe(0); // nothing left behind to arrive late

    expect([...seen.one].sort()).toEqual(['Order.created', 'Order.shipped']);
    expect([...seen.many].sort()).toEqual([
      'Order',
      'Order.created',
      'Order.item.added',
      'Order.item.removed.v2',
      'Order.shipped',
    ]);
    expect([...seen.all].sort()).toEqual([...types].sort());
  });
});
