import { jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { EventPublisher, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { deleteTopology, queueDepth, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(40_000);

interface Instance {
  started: string[];
  finished: string[];
  attempts: number[];
}

function slowWorker(sink: Instance) {
  @Injectable()
  class SlowWorker {
    @OnEvent('Job.queued')
    async run(_d: unknown, ctx: EventContext) {
      sink.started.push(ctx.id);
      sink.attempts.push(ctx.attempt);
      await new Promise((r) => setTimeout(r, 200));
      sink.finished.push(ctx.id);
    }
  }
  return SlowWorker;
}

const duplicates = (ids: string[]) => ids.filter((id, i) => ids.indexOf(id) !== i);

describe('graceful shutdown with handlers in flight', () => {
  const exchange = uniqueName('shut');
  const service = uniqueName('svc');
  const queue = `${service}.SlowWorker.run`;
  const N = 120;
  let publisherApp: INestApplicationContext;
  let second: INestApplicationContext | undefined;

  beforeAll(async () => {
    publisherApp = await createEventsApp({ exchange, service: uniqueName('api'), consume: false });
  });
  afterAll(async () => {
    await second?.close();
    await publisherApp?.close();
    await deleteTopology(exchange, [queue]);
  });

  it('finishes in-flight handlers on close; a later instance handles the rest; nothing lost or run twice', async () => {
    const one: Instance = { started: [], finished: [], attempts: [] };
    const two: Instance = { started: [], finished: [], attempts: [] };
    const first = await createEventsApp({ exchange, service, prefetch: 10, shutdownTimeoutMs: 5000 }, [
      slowWorker(one),
    ]);

    const publisher = publisherApp.get(EventPublisher);
    const ids = (
      await Promise.all(Array.from({ length: N }, (_, i) => publisher.publish('Job.queued', { i })))
    ).map((r) => r.id);

    // close while a batch is running: some finished, up to `prefetch` in flight
    await waitFor(
      () => one.finished.length >= 15 && one.started.length > one.finished.length,
      'handlers in flight',
    );
    const inFlightAtClose = one.started.length - one.finished.length;
    const closing = Date.now();
    await first.close();
    const closeMs = Date.now() - closing;

    expect(inFlightAtClose).toBeGreaterThan(0);
    expect([...one.finished].sort()).toEqual([...one.started].sort()); // every started handler ran to completion
    expect(one.started.length).toBeLessThan(N);
    expect(closeMs).toBeLessThan(5000);

    second = await createEventsApp({ exchange, service, prefetch: 10 }, [slowWorker(two)]);
    await waitFor(
      () => one.finished.length + two.finished.length >= N,
      'the second instance to handle the rest',
      20_000,
    );
    expect(await queueDepth(queue)).toBe(0);
    expect(await queueDepth(`${queue}.dlq`)).toBe(0);

    expect(duplicates(one.started)).toEqual([]); // nothing handled twice by the same instance
    expect(duplicates(two.started)).toEqual([]);
    expect([...new Set([...one.finished, ...two.finished])].sort()).toEqual([...ids].sort()); // union covers all
    // the first instance acked what it finished before closing: the second got none of it again
    expect(two.started.filter((id) => one.finished.includes(id))).toEqual([]);
    expect([...one.attempts, ...two.attempts].every((a) => a === 1)).toBe(true);
  });
});
