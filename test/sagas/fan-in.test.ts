import { Injectable, type INestApplicationContext } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { EventPublisher, FanInTimeoutError, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { FanIn } from 'nestjs-amqp-events/sagas';
import { deleteTopology, uniqueName } from '../support/broker.js';
import type { TestDatabase } from '../persistence/support/databases.js';
import { createSagaApp, createSagaDatabase, sagaQueues } from './support/saga-app.js';

describe('FanIn over RabbitMQ', () => {
  const exchange = uniqueName('fan-in');
  const service = uniqueName('svc');
  let db: TestDatabase;
  let ds: DataSource;
  let app: INestApplicationContext;

  /** An ordinary handler of this instance: every event delivered to it feeds FanIn (the runtime's observer). */
  @Injectable()
  class FanInFeed {
    readonly seen: string[] = [];

    @OnEvent(['Stock.reserved', 'Payment.authorized', 'Invoice.sent'], { queue: `${service}.fan-in` })
    feed(_data: unknown, ctx: EventContext) {
      this.seen.push(ctx.type);
    }
  }

  beforeAll(async () => {
    db = await createSagaDatabase('postgres');
    ds = await db.connect();
    app = await createSagaApp({ exchange, service, dataSource: ds, sagas: { sagas: [] } }, [FanInFeed]);
  });

  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, sagaQueues(service, [`${service}.fan-in`]));
    await db?.drop();
  });

  it('resolves with the correlated events by type, whatever their order', async () => {
    const fanIn = app.get(FanIn);
    const events = app.get(EventPublisher);
    const wait = fanIn.waitForAll('order-1', ['Stock.reserved', 'Payment.authorized'], { timeoutMs: 5000 });
    await events.publish('Payment.authorized', { amount: 5 }, { correlationId: 'order-1' });
    await events.publish('Stock.reserved', { sku: 'x' }, { correlationId: 'order-2' });
    await events.publish('Stock.reserved', { sku: 'y' }, { correlationId: 'order-1' });
    const got = await wait;
    expect(got['Payment.authorized'].data).toEqual({ amount: 5 });
    expect(got['Stock.reserved'].data).toEqual({ sku: 'y' });
    expect(fanIn.pending).toBe(0);
  });

  it('rejects after timeoutMs naming what arrived and what is missing, leaving no wait behind', async () => {
    const fanIn = app.get(FanIn);
    const wait = fanIn.waitForAll('order-3', ['Stock.reserved', 'Invoice.sent'], { timeoutMs: 700 });
    await app.get(EventPublisher).publish('Invoice.sent', {}, { correlationId: 'order-3' });
    const err = await wait.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FanInTimeoutError);
    expect((err as FanInTimeoutError).arrived).toEqual(['Invoice.sent']);
    expect((err as FanInTimeoutError).missing).toEqual(['Stock.reserved']);
    expect(fanIn.pending).toBe(0);
  });
});
