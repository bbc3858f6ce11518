import { Injectable } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { EventPublisher, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';

describe('publish and consume over RabbitMQ', () => {
  const exchange = uniqueName('core');
  const service = uniqueName('svc');
  let app: INestApplicationContext;
  const seen: Array<{ data: unknown; ctx: EventContext }> = [];

  @Injectable()
  class OrderHandlers {
    @OnEvent('Order.created')
    onCreated(data: unknown, ctx: EventContext) {
      seen.push({ data, ctx });
    }
  }

  beforeAll(async () => {
    app = await createEventsApp({ exchange, service }, [OrderHandlers]);
  });
  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, [`${service}.OrderHandlers.onCreated`]);
  });

  it('delivers a confirmed event to its handler with the envelope in the context', async () => {
    const publisher = app.get(EventPublisher);
    const receipt = await publisher.publish(
      'Order.created',
      { id: 'o-1', total: 42 },
      { correlationId: 'c-1', priority: 7 },
    );
    expect(receipt.confirmed).toBe(true);
    await waitFor(() => seen.length === 1, 'the handler to run');
    expect(seen[0].data).toEqual({ id: 'o-1', total: 42 });
    expect(seen[0].ctx).toMatchObject({
      id: receipt.id,
      type: 'Order.created',
      source: service,
      attempt: 1,
      correlationId: 'c-1',
      priority: 7,
    });
  });
});
