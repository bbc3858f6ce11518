import { jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import { EventPublisher, HEADERS, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { connectRaw, deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(20_000);

interface Seen {
  id: string;
  correlationId?: string;
  causationId?: string;
  traceparent?: string;
  published?: string;
}

describe('correlation, causation and trace context through a chain of handlers', () => {
  const exchange = uniqueName('chain');
  const service = uniqueName('svc');
  let app: INestApplicationContext;
  const seen: Record<string, Seen[]> = { a: [], b: [], c: [] };
  const wire: ConsumeMessage[] = [];
  let closeRaw: () => Promise<void> = async () => undefined;
  const rawQueue = uniqueName('raw-tap');

  const record = (ctx: EventContext): Seen => ({
    id: ctx.id,
    correlationId: ctx.correlationId,
    causationId: ctx.causationId,
    traceparent: ctx.traceparent,
  });

  @Injectable()
  class Chain {
    @OnEvent('Chain.started')
    async a(_d: unknown, ctx: EventContext) {
      const r = await ctx.publish('Chain.continued', { step: 2 });
      seen.a.push({ ...record(ctx), published: r.id });
    }

    @OnEvent('Chain.continued')
    async b(_d: unknown, ctx: EventContext) {
      const r = await ctx.publish('Chain.finished', { step: 3 });
      seen.b.push({ ...record(ctx), published: r.id });
    }

    @OnEvent('Chain.finished')
    c(_d: unknown, ctx: EventContext) {
      seen.c.push(record(ctx));
    }
  }

  beforeAll(async () => {
    app = await createEventsApp({ exchange, service }, [Chain]);
    // a plain amqplib tap on the exchange, to check what goes over the wire
    const conn = await connectRaw();
    const ch = await conn.createChannel();
    await ch.assertQueue(rawQueue, { exclusive: true });
    await ch.bindQueue(rawQueue, exchange, 'Chain.#');
    await ch.consume(rawQueue, (m) => m && wire.push(m), { noAck: true });
    closeRaw = () => conn.close();
  });
  afterAll(async () => {
    await closeRaw();
    await app?.close();
    await deleteTopology(
      exchange,
      ['a', 'b', 'c'].map((m) => `${service}.Chain.${m}`),
    );
  });

  beforeEach(() => {
    for (const k of Object.keys(seen)) seen[k].length = 0;
    wire.length = 0;
  });

  it('keeps the correlationId, sets causationId to the previous event id and carries traceparent', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const first = await app
      .get(EventPublisher)
      .publish('Chain.started', { step: 1 }, { correlationId: 'corr-42', traceparent });
    await waitFor(() => seen.c.length === 1, 'the third handler');
    const [a, b, c] = [seen.a[0], seen.b[0], seen.c[0]];

    expect(a).toMatchObject({ id: first.id, correlationId: 'corr-42', causationId: undefined, traceparent });
    expect(b).toMatchObject({ id: a.published, correlationId: 'corr-42', causationId: a.id, traceparent });
    expect(c).toMatchObject({ id: b.published, correlationId: 'corr-42', causationId: b.id, traceparent });
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);

    // on the wire: AMQP correlationId property, x-causation-id and traceparent headers
    await waitFor(() => wire.length === 3, 'three events on the raw tap');
    const byType = Object.fromEntries(wire.map((m) => [m.properties.type as string, m]));
    for (const [type, prev] of [
      ['Chain.continued', a.id],
      ['Chain.finished', b.id],
    ] as const) {
      const m = byType[type];
      expect(m.properties.correlationId).toBe('corr-42');
      expect(m.properties.headers?.[HEADERS.causationId]).toBe(prev);
      expect(m.properties.headers?.[HEADERS.traceparent]).toBe(traceparent);
    }
  });

  it('uses the first event id as correlationId when the first publish sets none', async () => {
    const first = await app.get(EventPublisher).publish('Chain.started', { step: 1 });
    await waitFor(() => seen.c.length === 1, 'the third handler');
    expect(seen.a[0].correlationId).toBeUndefined();
    expect(seen.b[0]).toMatchObject({ correlationId: first.id, causationId: first.id });
    expect(seen.c[0]).toMatchObject({ correlationId: first.id, causationId: seen.b[0].id });
  });
});
