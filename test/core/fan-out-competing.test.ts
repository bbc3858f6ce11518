import { jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { EventPublisher, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { deleteTopology, queueDepth, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(30_000);

/** A handler class whose instances record into `sink`; same class name in every app, so the same queue per service. */
function counterFor(sink: string[]) {
  @Injectable()
  class Counter {
    @OnEvent('Order.placed')
    async onPlaced(_d: unknown, ctx: EventContext) {
      await new Promise((r) => setImmediate(r));
      sink.push(ctx.id);
    }
  }
  return Counter;
}

describe('fan-out between services, competing consumers inside a service', () => {
  const exchange = uniqueName('fan');
  const billing = uniqueName('billing');
  const shipping = uniqueName('shipping');
  const N = 200;
  const billing1: string[] = [];
  const billing2: string[] = [];
  const shipping1: string[] = [];
  const apps: INestApplicationContext[] = [];

  beforeAll(async () => {
    apps.push(await createEventsApp({ exchange, service: billing, prefetch: 5 }, [counterFor(billing1)]));
    apps.push(await createEventsApp({ exchange, service: billing, prefetch: 5 }, [counterFor(billing2)]));
    apps.push(await createEventsApp({ exchange, service: shipping }, [counterFor(shipping1)]));
    apps.push(await createEventsApp({ exchange, service: uniqueName('api'), consume: false }));
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await deleteTopology(exchange, [`${billing}.Counter.onPlaced`, `${shipping}.Counter.onPlaced`]);
  });

  it(`gives each service all ${N} events and splits them between two instances of one service`, async () => {
    const publisher = apps[3].get(EventPublisher);
    const receipts = await Promise.all(
      Array.from({ length: N }, (_, i) => publisher.publish('Order.placed', { i })),
    );
    const ids = receipts.map((r) => r.id).sort();
    expect(new Set(ids).size).toBe(N);

    await waitFor(
      () => shipping1.length >= N && billing1.length + billing2.length >= N,
      'every event to reach both services',
      20_000,
    );
    expect(await queueDepth(`${billing}.Counter.onPlaced`)).toBe(0);
    expect(await queueDepth(`${shipping}.Counter.onPlaced`)).toBe(0);

    expect([...shipping1].sort()).toEqual(ids); // each event exactly once in the other service
    expect([...billing1, ...billing2].sort()).toEqual(ids); // exactly once across the competing instances
    expect(billing1.length).toBeGreaterThan(0);
    expect(billing2.length).toBeGreaterThan(0);
  });
});
