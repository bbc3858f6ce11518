import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { SpanKind, trace } from '@opentelemetry/api';
import { EventPublisher, NonRetryableError, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { installOtelSdk } from './otel-sdk.js';

jest.setTimeout(60_000);

describe('OpenTelemetry with the SDK installed (in-memory exporters, real RabbitMQ)', () => {
  const exchange = uniqueName('otel');
  const service = uniqueName('otelsvc');
  const queue = `${service}.Shipping.onPlaced`;
  const otel = installOtelSdk();
  const seen: Array<{ id: string; attempt: number; traceId: string | undefined }> = [];
  let app: INestApplicationContext;

  @Injectable()
  class Shipping {
    @OnEvent('Order.placed', { retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 50 } })
    onPlaced(data: { fail?: 'once' | 'never-retry' }, ctx: EventContext) {
      seen.push({ id: ctx.id, attempt: ctx.attempt, traceId: trace.getActiveSpan()?.spanContext().traceId });
      if (data.fail === 'once' && ctx.attempt === 1) throw new Error('warehouse busy');
      if (data.fail === 'never-retry') throw new NonRetryableError('no such warehouse');
    }
  }

  beforeAll(async () => {
    app = await createEventsApp({ exchange, service }, [Shipping]);
  });
  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, [queue]);
    await otel.uninstall();
  });

  it('puts the PRODUCER span and the CONSUMER span of an event in one trace across the broker', async () => {
    const tracer = trace.getTracer('checkout-test');
    const receipt = await tracer.startActiveSpan('checkout', async (span) => {
      try {
        return await app.get(EventPublisher).publish('Order.placed', {});
      } finally {
        span.end();
      }
    });
    await waitFor(
      () =>
        otel.spans
          .getFinishedSpans()
          .some((s) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.message.id'] === receipt.id),
      'the consumer span',
    );
    const spans = otel.spans.getFinishedSpans();
    const root = spans.find((s) => s.name === 'checkout')!;
    const producer = spans.find((s) => s.kind === SpanKind.PRODUCER && s.name === 'Order.placed publish')!;
    const consumer = spans.find(
      (s) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.message.id'] === receipt.id,
    )!;
    expect(producer).toBeDefined();
    const traceId = root.spanContext().traceId;
    expect(producer.spanContext().traceId).toBe(traceId);
    expect(producer.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(consumer.spanContext().traceId).toBe(traceId);
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(consumer.parentSpanContext?.isRemote).toBe(true);
    expect(consumer.name).toBe('Order.placed process');
    expect(consumer.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.operation': 'process',
      'messaging.destination.name': queue,
      'messaging.message.id': receipt.id,
      'nestjs_amqp_events.handler': 'Shipping.onPlaced',
      'nestjs_amqp_events.attempt': 1,
    });
    // the handler ran inside the consumer span: its own spans and publishes join the trace
    expect(seen.find((s) => s.id === receipt.id)?.traceId).toBe(traceId);
  });

  it('marks a failed attempt on its CONSUMER span and keeps the retry in the same trace', async () => {
    otel.spans.reset();
    const tracer = trace.getTracer('checkout-test');
    const receipt = await tracer.startActiveSpan('checkout', async (span) => {
      try {
        return await app.get(EventPublisher).publish('Order.placed', { fail: 'once' });
      } finally {
        span.end();
      }
    });
    const consumers = () =>
      otel.spans
        .getFinishedSpans()
        .filter((s) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.message.id'] === receipt.id);
    await waitFor(() => consumers().length === 2, 'two attempts');
    const [first, second] = consumers().sort(
      (a, b) =>
        Number(a.attributes['nestjs_amqp_events.attempt']) -
        Number(b.attributes['nestjs_amqp_events.attempt']),
    );
    expect(first.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(first.status.message).toBe('warehouse busy');
    expect(first.events.map((e) => e.name)).toContain('exception');
    expect(second.attributes['nestjs_amqp_events.attempt']).toBe(2);
    expect(second.spanContext().traceId).toBe(first.spanContext().traceId);
  });

  it('counts published, handled, retried and dead-lettered events and records handler duration, with labels', async () => {
    const dead = await app.get(EventPublisher).publish('Order.placed', { fail: 'never-retry' });
    await waitFor(() => seen.some((s) => s.id === dead.id), 'the failing delivery');
    const sum = async (name: string, attrs: Record<string, string>) =>
      (await otel.points(name))
        .filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
        .reduce((n, p) => n + (p.value as number), 0);
    await waitFor(
      async () => (await sum('events.dead_lettered', { service })) === 1,
      'the dead-letter metric',
    );

    expect(await sum('events.published', { service, type: 'Order.placed' })).toBe(3);
    expect(await sum('events.handled', { service, handler: 'Shipping.onPlaced' })).toBe(2);
    expect(await sum('events.retried', { service, handler: 'Shipping.onPlaced' })).toBe(1);
    expect(
      await sum('events.dead_lettered', { service, handler: 'Shipping.onPlaced', type: 'Order.placed' }),
    ).toBe(1);

    const durations = (await otel.points('events.handler.duration')) as Array<{
      attributes: Record<string, unknown>;
      value: { count: number; sum: number };
    }>;
    const byOutcome = (outcome: string) =>
      durations.filter(
        (p) =>
          p.attributes.outcome === outcome &&
          p.attributes.handler === 'Shipping.onPlaced' &&
          p.attributes.service === service,
      );
    expect(byOutcome('ok').reduce((n, p) => n + p.value.count, 0)).toBe(2);
    expect(byOutcome('error').reduce((n, p) => n + p.value.count, 0)).toBe(2);
    expect(byOutcome('ok')[0].value.sum).toBeGreaterThanOrEqual(0);
  });
});
