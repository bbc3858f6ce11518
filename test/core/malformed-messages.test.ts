import { jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import type { Options } from 'amqplib';
import { EventPublisher, HEADERS, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { deleteTopology, queueDepth, uniqueName } from '../support/broker.js';
import { sendRaw, takeAll } from '../support/raw-queue.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(20_000);

interface Bad {
  id: string;
  content: Buffer;
  properties: Options.Publish;
  /** What `x-error-message` must say. */
  reason: RegExp;
}

describe('malformed messages in a handler queue', () => {
  const exchange = uniqueName('bad');
  const service = uniqueName('svc');
  const queue = `${service}.Orders.onCreated`;
  let app: INestApplicationContext;
  const handled: Array<{ id: string; data: unknown }> = [];

  @Injectable()
  class Orders {
    @OnEvent('Order.created')
    onCreated(data: unknown, ctx: EventContext) {
      handled.push({ id: ctx.id, data });
    }
  }

  beforeAll(async () => {
    app = await createEventsApp({ exchange, service }, [Orders]);
  });
  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, [queue]);
  });

  const json = { contentType: 'application/json', type: 'Order.created', persistent: true };
  const bad: Bad[] = [
    {
      id: 'bad-not-json',
      content: Buffer.from('{"id": 1, oops'),
      properties: { ...json },
      reason: /not valid JSON/,
    },
    {
      id: 'bad-no-type',
      content: Buffer.from('{"id":2}'),
      properties: { contentType: 'application/json' },
      reason: /no event type/,
    },
    { id: 'bad-empty', content: Buffer.alloc(0), properties: { ...json }, reason: /empty body/ },
    {
      id: 'bad-content-type',
      content: Buffer.from('{"id":4}'),
      properties: { ...json, contentType: 'text/plain' },
      reason: /unsupported content type "text\/plain"/,
    },
    {
      id: 'bad-binary',
      content: Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x7b, 0x0a, 0xc3]),
      properties: { type: 'Order.created', headers: { 'x-app': 'legacy' } },
      reason: /not valid JSON/,
    },
    {
      id: 'bad-xml',
      content: Buffer.from('<order id="6"/>'),
      properties: { ...json, contentType: 'application/xml' },
      reason: /unsupported content type/,
    },
  ];

  it('dead-letters each with the reason and its exact bytes while good events keep flowing', async () => {
    const publisher = app.get(EventPublisher);
    const good: string[] = [];
    // interleave: good, bad, good, bad, ... good
    for (const b of bad) {
      good.push((await publisher.publish('Order.created', { n: good.length })).id);
      await sendRaw(queue, [{ content: b.content, properties: { ...b.properties, messageId: b.id } }]);
    }
    for (let i = 0; i < 20; i++) good.push((await publisher.publish('Order.created', { n: good.length })).id);
    // a well-formed event from a non-Nest producer, with a prototype-polluting key in its body
    await sendRaw(queue, [
      {
        content: Buffer.from('{"__proto__":{"polluted":true},"ok":1}'),
        properties: { ...json, messageId: 'raw-good' },
      },
    ]);
    good.push('raw-good');

    await waitFor(() => handled.length >= good.length, 'every good event');
    const dlq = `${queue}.dlq`;
    await waitFor(async () => (await queueDepth(dlq)) >= bad.length, 'every bad message in the DLQ');
    expect(await queueDepth(queue)).toBe(0); // nothing requeued in a loop

    expect(handled.map((h) => h.id)).toEqual(good); // the handler never saw a bad one, nor a good one twice
    expect(handled.at(-1)!.data).toEqual({ ok: 1 });
    expect(Object.getPrototypeOf(handled.at(-1)!.data)).toBe(Object.prototype);
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();

    const parked = await takeAll(dlq);
    expect(parked.map((m) => m.properties.messageId).sort()).toEqual(bad.map((b) => b.id).sort());
    for (const b of bad) {
      const m = parked.find((p) => p.properties.messageId === b.id)!;
      const h = m.properties.headers ?? {};
      expect(h[HEADERS.deadLetterReason]).toBe('undecodable');
      expect(String(h[HEADERS.errorMessage])).toMatch(b.reason);
      expect(h[HEADERS.originalQueue]).toBe(queue);
      expect(h[HEADERS.handler]).toBe('Orders.onCreated');
      expect(m.content.equals(b.content)).toBe(true); // original bytes kept exactly
      expect(m.properties.contentType).toBe(b.properties.contentType);
    }
    expect(parked.find((p) => p.properties.messageId === 'bad-binary')!.properties.headers?.['x-app']).toBe(
      'legacy',
    );
  });
});
