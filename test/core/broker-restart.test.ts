import { jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { EventPublisher, OnEvent, PublishError, type EventContext } from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { queueDepth, uniqueName } from '../support/broker.js';
import { forEachConcurrently } from '../support/concurrency.js';
import { startPrivateBroker, type PrivateBroker } from '../support/private-node.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(90_000);

/** Runs on a node of its own: stopping the shared broker would fail other test files. */
describe('rabbitmqctl stop_app / start_app during a run', () => {
  let broker: PrivateBroker;
  const exchange = uniqueName('restart');
  const service = uniqueName('svc');
  const queue = `${service}.Sink.onTick`;
  const N = 3000;
  const RATE = 300; // events/s: publishing lasts ~10 s, the outage sits in the middle of it
  const PUBLISH_TIMEOUT = 5000;
  const SLACK = 1500; // sweep tick (250 ms) + event-loop lag on a shared 2-core machine
  const handled = new Set<string>();
  const apps: INestApplicationContext[] = [];

  @Injectable()
  class Sink {
    @OnEvent('Load.tick', { retry: { maxAttempts: 10, backoff: 'fixed', initialDelayMs: 100 } })
    onTick(_d: unknown, ctx: EventContext) {
      handled.add(ctx.id);
    }
  }

  beforeAll(async () => {
    broker = await startPrivateBroker('events-restart-');
    const common = { uri: broker.uri, exchange, reconnectDelayMs: 250, publishTimeoutMs: PUBLISH_TIMEOUT };
    apps.push(await createEventsApp({ ...common, service, prefetch: 50 }, [Sink]));
    apps.push(await createEventsApp({ ...common, service: uniqueName('api'), consume: false }));
  });
  afterAll(async () => {
    await broker?.rabbitmqctl('start_app').catch(() => undefined); // so the apps close without waiting
    for (const a of apps) await a.close();
    await broker?.dispose();
  });

  it('settles every publish within its bound and handles every one that resolved', async () => {
    const publisher = apps[1].get(EventPublisher);
    const resolved: string[] = [];
    const failures: unknown[] = [];
    const durations: number[] = [];
    const started = Date.now();
    let outage = { stopped: 0, restarted: 0 };

    const fault = (async () => {
      await waitFor(() => resolved.length >= 600, '600 publishes before the outage', 20_000);
      try {
        await broker.rabbitmqctl('stop_app');
        outage.stopped = Date.now();
        // stay down until publishes held through the outage hit their bound and fail
        await waitFor(
          () => failures.length > 0,
          'a publish to time out during the outage',
          PUBLISH_TIMEOUT + 10_000,
        );
      } finally {
        await broker.rabbitmqctl('start_app'); // also when the test fails
        await broker.rabbitmqctl('await_startup');
        outage.restarted = Date.now();
      }
    })();

    await forEachConcurrently(
      Array.from({ length: N }, (_, i) => i),
      200,
      async (i) => {
        const due = started + (i * 1000) / RATE;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        const t0 = Date.now();
        try {
          resolved.push((await publisher.publish('Load.tick', { i })).id);
        } catch (e) {
          failures.push(e);
        } finally {
          durations.push(Date.now() - t0);
        }
      },
    );
    const publishedAt = Date.now();
    await fault;
    outage = { ...outage };
    expect(outage.stopped).toBeGreaterThan(0);
    expect(outage.stopped).toBeLessThan(publishedAt); // the outage happened while publishing

    expect(durations).toHaveLength(N); // every publish settled...
    expect(Math.max(...durations)).toBeLessThanOrEqual(PUBLISH_TIMEOUT + SLACK); // ...within its bound
    for (const f of failures) expect(f).toBeInstanceOf(PublishError);
    expect(failures.length).toBeGreaterThan(0); // some were held through the outage until their bound
    expect(resolved.length).toBeGreaterThan(600);

    await waitFor(
      () => resolved.every((id) => handled.has(id)),
      `every resolved publish handled (${resolved.length} resolved, ${failures.length} failed)`,
      40_000,
    );
    expect(resolved.filter((id) => !handled.has(id))).toEqual([]);
    await waitFor(async () => (await queueDepth(queue, broker.uri)) === 0, 'the queue to drain');
    expect(await queueDepth(`${queue}.dlq`, broker.uri)).toBe(0);
    if (process.env.TEST_SUMMARY) {
      process.stdout.write(
        `resolved ${resolved.length}, failed ${failures.length}, max settle ${Math.max(...durations)} ms, outage ${outage.restarted - outage.stopped} ms, total ${Date.now() - started} ms\n`,
      );
    }
  });
});
