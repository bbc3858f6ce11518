import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { OnEvent, type EventContext } from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { AMQP_URL, connectRaw, deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(30_000);
const run = promisify(execFile);

describe('events from producers that are not this library (DESIGN §3)', () => {
  const exchange = uniqueName('wire-foreign');
  const service = uniqueName('svc');
  const queue = `${service}.Orders.onOrder`;
  const received: Array<{
    data: unknown;
    type: string;
    id: string;
    source: string;
    headers: unknown;
    traceparent?: string;
  }> = [];
  let app: INestApplicationContext;

  @Injectable()
  class Orders {
    @OnEvent('Order.*')
    onOrder(data: unknown, ctx: EventContext) {
      received.push({
        data,
        type: ctx.type,
        id: ctx.id,
        source: ctx.source,
        headers: ctx.headers,
        traceparent: ctx.traceparent,
      });
    }
  }

  beforeAll(async () => {
    app = await createEventsApp({ exchange, service }, [Orders]);
  });

  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, [queue]);
  });

  it('takes the type from the routing key of a bare amqp-publish message and derives its id', async () => {
    await run(
      'amqp-publish',
      ['--url', AMQP_URL, '-e', exchange, '-r', 'Order.created', '-b', '{"orderId":"o-1"}'],
      { timeout: 10_000 },
    );
    const got = await waitFor(
      () => received.find((r) => r.type === 'Order.created'),
      'the amqp-publish event',
    );
    expect(got.data).toEqual({ orderId: 'o-1' });
    expect(got.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('decodes a CloudEvents structured-mode message as that event', async () => {
    const conn = await connectRaw();
    try {
      const ch = await conn.createConfirmChannel();
      const event = {
        specversion: '1.0',
        id: 'ce-structured-1',
        source: 'urn:shop',
        type: 'Order.paid',
        time: '2026-01-02T03:04:05.678Z',
        data: { orderId: 'o-2' },
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        tenant: 'acme',
      };
      ch.publish(exchange, 'Order.paid', Buffer.from(JSON.stringify(event)), {
        contentType: 'application/cloudevents+json',
      });
      await ch.waitForConfirms();
    } finally {
      await conn.close();
    }
    const got = await waitFor(
      () => received.find((r) => r.type === 'Order.paid'),
      'the structured-mode event',
    );
    expect(got).toMatchObject({
      id: 'ce-structured-1',
      source: 'urn:shop',
      data: { orderId: 'o-2' },
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      headers: { tenant: 'acme' },
    });
  });
});
