import { jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { EventPublisher, OnEvent, PublishError, type EventContext } from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { CaptureLogger } from '../support/capture-logger.js';
import { queueDepth, uniqueName } from '../support/broker.js';
import { forEachConcurrently } from '../support/concurrency.js';
import { startPrivateBroker, type PrivateBroker } from '../support/private-node.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(90_000);

/** Runs on a node of its own: closing every connection of the shared broker would cut other test files. */
describe('rabbitmqctl close_all_connections during a run', () => {
  let broker: PrivateBroker;
  const exchange = uniqueName('cut');
  const service = uniqueName('svc');
  const queue = `${service}.Sink.onTick`;
  const N = 5000;
  const handled = new Set<string>();
  let deliveries = 0;
  const apps: INestApplicationContext[] = [];
  const logger = new CaptureLogger();
  const RATE = 600; // events/s: the run lasts ~8 s, so both cuts land while publishing and consuming

  @Injectable()
  class Sink {
    @OnEvent('Load.tick', { retry: { maxAttempts: 10, backoff: 'fixed', initialDelayMs: 100 } })
    onTick(_d: unknown, ctx: EventContext) {
      deliveries++;
      handled.add(ctx.id);
    }
  }

  beforeAll(async () => {
    broker = await startPrivateBroker('events-cut-');
    const common = { uri: broker.uri, exchange, reconnectDelayMs: 200, publishTimeoutMs: 10_000 };
    apps.push(await createEventsApp({ ...common, service, prefetch: 50 }, [Sink], { logger }));
    apps.push(
      await createEventsApp({ ...common, service: uniqueName('api'), consume: false }, [], { logger }),
    );
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await broker?.dispose();
  });

  it(`handles every event whose publish resolved (${N} events, connections closed twice)`, async () => {
    const publisher = apps[1].get(EventPublisher);
    const resolved: string[] = [];
    const failures: unknown[] = [];
    const cuts: Array<Promise<number>> = [];
    const started = Date.now();
    let lastSettled = 0;

    await forEachConcurrently(
      Array.from({ length: N }, (_, i) => i),
      100,
      async (i) => {
        const due = started + (i * 1000) / RATE;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        if (i === 1000 || i === 3000) {
          const from = Date.now();
          cuts.push(broker.rabbitmqctl('close_all_connections', 'test').then(() => from));
        }
        try {
          resolved.push((await publisher.publish('Load.tick', { i })).id);
        } catch (e) {
          failures.push(e);
        }
        lastSettled = Date.now();
      },
    );
    const cutFrom = await Promise.all(cuts);
    const publishMs = Date.now() - started;
    // the faults really hit mid-run: after each cut began, an app saw its connection drop before the last
    // publish settled (the drop, not the exit of rabbitmqctl, which takes seconds on a loaded machine),
    // and both connections of both apps saw them
    for (const from of cutFrom) {
      const dropped = logger.lines.find((l) => l.at >= from && l.text.includes('disconnected'));
      expect(dropped).toBeDefined();
      expect(dropped!.at).toBeLessThan(lastSettled);
    }
    for (const role of ['publish', 'consume']) {
      expect(
        logger.lines.filter(
          (l) => l.text.includes('disconnected') && l.text.includes(`EventsConnection:${role}`),
        ).length,
      ).toBeGreaterThanOrEqual(1);
    }

    for (const f of failures) expect(f).toBeInstanceOf(PublishError); // outcome unknown: allowed, but typed
    expect(resolved.length + failures.length).toBe(N);
    expect(resolved.length).toBeGreaterThan(0);

    await waitFor(
      () => resolved.every((id) => handled.has(id)),
      `every resolved publish handled (${resolved.length} resolved, ${failures.length} failed, published in ${publishMs} ms)`,
      45_000,
    );
    const lost = resolved.filter((id) => !handled.has(id));
    expect(lost).toEqual([]);
    expect(deliveries).toBeGreaterThanOrEqual(resolved.length);
    await waitFor(async () => (await queueDepth(queue, broker.uri)) === 0, 'the queue to drain');
    expect(await queueDepth(`${queue}.dlq`, broker.uri)).toBe(0); // redeliveries were retried, never parked
    if (process.env.TEST_SUMMARY) {
      process.stdout.write(
        `resolved ${resolved.length}, failed ${failures.length}, deliveries ${deliveries}, publish ${publishMs} ms, total ${Date.now() - started} ms\n`,
      );
    }
  });
});
