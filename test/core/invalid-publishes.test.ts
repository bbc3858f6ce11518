import { jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import {
  EventPublisher,
  EventValidationError,
  OnEvent,
  type EventContext,
  type PublishOptions,
} from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { deleteTopology, queueDepth, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(30_000);

interface Invalid {
  name: string;
  type: string;
  data: unknown;
  options?: PublishOptions;
  /** EventValidationError.field */
  field: string;
}

describe('invalid publishes', () => {
  const exchange = uniqueName('inval');
  const service = uniqueName('svc');
  const queue = `${service}.Everything.onAny`;
  let app: INestApplicationContext;
  const handled: string[] = [];
  const contexts: EventContext[] = [];

  @Injectable()
  class Everything {
    @OnEvent('#')
    onAny(_d: unknown, ctx: EventContext) {
      handled.push(ctx.id);
      contexts.push(ctx);
    }
  }

  beforeAll(async () => {
    app = await createEventsApp({ exchange, service, maxPayloadBytes: 2048 }, [Everything]);
  });
  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, [queue]);
  });

  const invalid: Invalid[] = [
    { name: 'wildcard *', type: 'Order.*', data: {}, field: 'event type' },
    { name: 'wildcard #', type: 'Order.#', data: {}, field: 'event type' },
    { name: 'empty type', type: '', data: {}, field: 'event type' },
    { name: 'empty segment', type: 'Order..created', data: {}, field: 'event type' },
    { name: 'type with space', type: 'Order created', data: {}, field: 'event type' },
    { name: 'type over 255 bytes', type: `A.${'x'.repeat(260)}`, data: {}, field: 'event type' },
    { name: 'oversized payload', type: 'Order.created', data: { blob: 'x'.repeat(4096) }, field: 'payload' },
    { name: 'unserializable payload', type: 'Order.created', data: { n: 10n }, field: 'payload' },
    { name: 'priority 11', type: 'Order.created', data: {}, options: { priority: 11 }, field: 'priority' },
    { name: 'priority -1', type: 'Order.created', data: {}, options: { priority: -1 }, field: 'priority' },
    { name: 'priority 1.5', type: 'Order.created', data: {}, options: { priority: 1.5 }, field: 'priority' },
    {
      name: 'object header',
      type: 'Order.created',
      data: {},
      options: { headers: { meta: { a: 1 } as never } },
      field: 'headers',
    },
    {
      name: 'NaN header',
      type: 'Order.created',
      data: {},
      options: { headers: { n: Number.NaN } },
      field: 'headers',
    },
    { name: 'negative delay', type: 'Order.created', data: {}, options: { delay: -1 }, field: 'delay' },
    {
      name: 'bad traceparent',
      type: 'Order.created',
      data: {},
      options: { traceparent: 'nope' },
      field: 'traceparent',
    },
  ];

  it.each(invalid.map((i) => [i.name, i] as const))(
    'rejects %s with EventValidationError',
    async (_name, i) => {
      const err = await app
        .get(EventPublisher)
        .publish(i.type, i.data, i.options)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(EventValidationError);
      expect((err as EventValidationError).field).toBe(i.field);
    },
  );

  it('rejects invalid publishes interleaved with 200 valid ones without disturbing them', async () => {
    const publisher = app.get(EventPublisher);
    const valid: Array<Promise<string>> = [];
    const rejected: Array<Promise<unknown>> = [];
    for (let n = 0; n < 200; n++) {
      valid.push(
        publisher
          .publish('Order.created', { n, pad: 'y'.repeat(1000) }, { priority: n % 11 })
          .then((r) => r.id),
      );
      const i = invalid[n % invalid.length];
      rejected.push(
        publisher.publish(i.type, i.data, i.options).then(
          () => 'resolved',
          (e: unknown) => e,
        ),
      );
    }
    const ids = await Promise.all(valid); // every valid publish confirmed
    for (const r of await Promise.all(rejected)) expect(r).toBeInstanceOf(EventValidationError);

    await waitFor(() => handled.length >= ids.length, 'every valid event handled', 20_000);
    expect(await queueDepth(queue)).toBe(0);
    expect([...handled].sort()).toEqual([...ids].sort()); // exactly the valid ones, once each: nothing invalid got through
    expect(await queueDepth(`${exchange}.unrouted`)).toBe(0);
  });

  it('accepts a payload of exactly maxPayloadBytes and strips CC/BCC and library headers from user headers', async () => {
    const publisher = app.get(EventPublisher);
    const data = { s: '' };
    data.s = 'z'.repeat(2048 - Buffer.byteLength(JSON.stringify(data)));
    const { id } = await publisher.publish('Order.sized', data, {
      headers: {
        CC: 'Order.elsewhere',
        BCC: 'x',
        'x-death': 'fake',
        'x-attempt': 99,
        'cloudEvents:id': 'forged',
        tenant: 't-1',
      } as never,
    });
    const ctx = await waitFor(() => contexts.find((c) => c.id === id), 'the sized event');
    expect(ctx.attempt).toBe(1);
    expect(ctx.headers).toEqual({ tenant: 't-1' });
    const over = { s: `${data.s}z` };
    await expect(publisher.publish('Order.sized', over)).rejects.toBeInstanceOf(EventValidationError);
  });
});
