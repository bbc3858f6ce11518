import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { OnEvent, type EventContext } from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { AMQP_URL, deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(30_000);
const run = promisify(execFile);
/** Debian's python with python3-pika (scripts/install-test-tools.sh), not a pyenv python on PATH. */
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./pika-publish.py', import.meta.url));

/** Publishes with pika in a Python process; resolves once the broker confirmed the message. */
async function pikaPublish(exchange: string, routingKey: string, body: string, properties: object = {}) {
  await run(PYTHON, [SCRIPT, AMQP_URL, exchange, routingKey, body, JSON.stringify(properties)], {
    timeout: 15_000,
  });
}

describe('events published by python3-pika (DESIGN §3)', () => {
  const exchange = uniqueName('wire-pika');
  const service = uniqueName('svc');
  const queue = `${service}.Shipments.on`;
  const received: Array<{ data: unknown; type: string; id: string; source: string; time: string }> = [];
  let app: INestApplicationContext;

  @Injectable()
  class Shipments {
    @OnEvent('Shipment.*')
    on(data: unknown, ctx: EventContext) {
      received.push({ data, type: ctx.type, id: ctx.id, source: ctx.source, time: ctx.time });
    }
  }

  beforeAll(async () => {
    app = await createEventsApp({ exchange, service }, [Shipments]);
  });

  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, [queue]);
  });

  it('takes the type from the routing key of a plain JSON message and derives a stable id', async () => {
    await pikaPublish(exchange, 'Shipment.created', '{"shipmentId":"s-1"}');
    const got = await waitFor(() => received.find((r) => r.type === 'Shipment.created'), 'the pika event');
    expect(got.data).toEqual({ shipmentId: 's-1' });
    expect(got.source).toBe('unknown');
    expect(got.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // the same message again (pika sets no timestamp): the same derived id, so the inbox sees a duplicate
    await pikaPublish(exchange, 'Shipment.created', '{"shipmentId":"s-1"}');
    await waitFor(
      () => received.filter((r) => r.type === 'Shipment.created').length === 2,
      'the second copy',
    );
    expect(received.filter((r) => r.type === 'Shipment.created').map((r) => r.id)).toEqual([got.id, got.id]);
  });

  it('uses the type and message_id properties when pika sets them', async () => {
    await pikaPublish(exchange, 'Shipment.routed-elsewhere', '{"shipmentId":"s-2"}', {
      content_type: 'application/json',
      type: 'Shipment.dispatched',
      message_id: 'pika-msg-2',
      app_id: 'warehouse',
      timestamp: 1767322800,
    });
    const got = await waitFor(() => received.find((r) => r.id === 'pika-msg-2'), 'the typed pika event');
    expect(got).toEqual({
      data: { shipmentId: 's-2' },
      type: 'Shipment.dispatched',
      id: 'pika-msg-2',
      source: 'warehouse',
      time: '2026-01-02T03:00:00.000Z',
    });
  });

  it('decodes a CloudEvents structured-mode message sent by pika', async () => {
    const event = {
      specversion: '1.0',
      id: 'ce-pika-3',
      source: 'urn:warehouse',
      type: 'Shipment.delivered',
      time: '2026-02-03T04:05:06.789Z',
      datacontenttype: 'application/json',
      data: { shipmentId: 's-3' },
    };
    await pikaPublish(exchange, 'Shipment.delivered', JSON.stringify(event), {
      content_type: 'application/cloudevents+json',
    });
    const got = await waitFor(() => received.find((r) => r.id === 'ce-pika-3'), 'the structured event');
    expect(got).toEqual({
      data: { shipmentId: 's-3' },
      type: 'Shipment.delivered',
      id: 'ce-pika-3',
      source: 'urn:warehouse',
      time: '2026-02-03T04:05:06.789Z',
    });
  });
});
