import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import {
  DeliveryFailedError,
  DeliveryTimeoutError,
  EventPublisher,
  EventValidationError,
  OnEvent,
  type EventContext,
} from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { connectRaw, deleteTopology, queueDepth, uniqueName } from '../support/broker.js';
import { rabbitmqctl } from '../support/rabbitmqctl.js';

jest.setTimeout(30_000);

describe('publish(..., { waitForDelivery })', () => {
  const exchange = uniqueName('wfd');
  const service = uniqueName('svc');
  const okQueue = `${service}.Handlers.onPaid`;
  const failQueue = `${service}.Handlers.onRefused`;
  let app: INestApplicationContext;
  let publisher: EventPublisher;
  const paid = new Set<string>();
  let refusedAttempts = 0;

  @Injectable()
  class Handlers {
    @OnEvent('Invoice.paid')
    async onPaid(data: { invoice: string }) {
      await new Promise((r) => setTimeout(r, 50)); // the side effect lands a little later
      paid.add(data.invoice);
    }

    @OnEvent('Invoice.refused', { retry: { maxAttempts: 2, backoff: 'fixed', initialDelayMs: 100 } })
    onRefused(_data: unknown, ctx: EventContext) {
      refusedAttempts = ctx.attempt;
      throw new RangeError(`refused on attempt ${ctx.attempt}`);
    }
  }

  beforeAll(async () => {
    app = await createEventsApp({ exchange, service }, [Handlers]);
    publisher = app.get(EventPublisher);
  });
  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, [okQueue, failQueue]);
  });

  it('fire-and-forget declares no reply queue and adds no reply header', async () => {
    const conn = await connectRaw();
    const ch = await conn.createChannel();
    const probe = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(probe.queue, exchange, 'Invoice.paid');
    await publisher.publish('Invoice.paid', { invoice: 'ff-1' });
    let msg = await ch.get(probe.queue, { noAck: true });
    for (let i = 0; !msg && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 20));
      msg = await ch.get(probe.queue, { noAck: true });
    }
    expect(msg).toBeTruthy();
    expect(
      Object.keys((msg as { properties: { headers: object } }).properties.headers).filter((h) =>
        h.startsWith('x-reply'),
      ),
    ).toEqual([]);
    await conn.close();
    const queues = await rabbitmqctl('list_queues', 'name', '--no-table-headers', '--silent');
    expect(queues).not.toContain(`${service}.replies.`);
  });

  it('resolves after the handler ran, with its side effect visible', async () => {
    const receipt = await publisher.publish('Invoice.paid', { invoice: 'inv-1' }, { waitForDelivery: true });
    expect(receipt.confirmed).toBe(true);
    expect(paid.has('inv-1')).toBe(true);
  });

  it('settles many concurrent waits, each on its own outcome', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `inv-many-${i}`);
    await Promise.all(
      ids.map((invoice) =>
        publisher.publish('Invoice.paid', { invoice }, { waitForDelivery: { timeoutMs: 15_000 } }),
      ),
    );
    for (const id of ids) expect(paid.has(id)).toBe(true);
  });

  it('rejects with the handler error once the event was dead-lettered, not at the first failure', async () => {
    const err = await publisher
      .publish('Invoice.refused', { invoice: 'inv-2' }, { waitForDelivery: { timeoutMs: 15_000 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryFailedError);
    const failed = err as DeliveryFailedError;
    expect(failed).toMatchObject({
      eventType: 'Invoice.refused',
      handler: 'Handlers.onRefused',
      remoteName: 'RangeError',
      remoteMessage: 'refused on attempt 2',
      reason: 'max-attempts',
    });
    expect(refusedAttempts).toBe(2);
    expect(await queueDepth(`${failQueue}.dlq`)).toBe(1);
  });

  it('times out with DeliveryTimeoutError when no handler processes the event', async () => {
    const started = Date.now();
    const err = await publisher
      .publish('Nobody.listens', { x: 1 }, { waitForDelivery: { timeoutMs: 400 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryTimeoutError);
    expect((err as DeliveryTimeoutError).timeoutMs).toBe(400);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
  });

  it('refuses a bad timeout and waitForDelivery with a transaction before sending anything', async () => {
    await expect(
      publisher.publish('Invoice.paid', {}, { waitForDelivery: { timeoutMs: -1 } }),
    ).rejects.toBeInstanceOf(EventValidationError);
    await expect(
      publisher.publish('Invoice.paid', {}, { waitForDelivery: true, transaction: {} }),
    ).rejects.toBeInstanceOf(EventValidationError);
  });
});
