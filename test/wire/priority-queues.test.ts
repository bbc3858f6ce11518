import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { EventPublisher, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { deleteTopology, queueDepth, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { redeclareProblem } from './queue-arguments.js';

jest.setTimeout(40_000);

describe('opt-in priority queues (DESIGN §4)', () => {
  const exchange = uniqueName('wire-prio');
  const service = uniqueName('svc');
  const plainQueue = `${service}.Plain.work`;
  const urgentQueue = `${service}.Urgent.work`;
  const moduleQueue = `${service}-mod.Plain.work`;
  const seen: Record<'plain' | 'urgent', number[]> = { plain: [], urgent: [] };
  const apps: INestApplicationContext[] = [];
  const dlx = (queue: string) => ({
    'x-dead-letter-exchange': `${exchange}.dlx`,
    'x-dead-letter-routing-key': queue,
  });

  @Injectable()
  class Plain {
    @OnEvent('Job.queued', { prefetch: 1 })
    work(data: { p: number }, ctx: EventContext) {
      expect(ctx.priority).toBe(data.p);
      seen.plain.push(data.p);
    }
  }

  @Injectable()
  class Urgent {
    @OnEvent('Job.queued', { prefetch: 1, maxPriority: 10 })
    work(data: { p: number }) {
      seen.urgent.push(data.p);
    }
  }

  afterAll(async () => {
    for (const a of apps) await a.close();
    await deleteTopology(exchange, [plainQueue, urgentQueue, moduleQueue]);
  });

  it('declares a handler queue without x-max-priority by default, and with it when the handler sets maxPriority', async () => {
    const app = await createEventsApp({ exchange, service }, [Plain, Urgent]);
    await app.close();
    expect(await redeclareProblem(plainQueue, dlx(plainQueue))).toBeUndefined();
    expect(await redeclareProblem(plainQueue, { ...dlx(plainQueue), 'x-max-priority': 10 })).toMatch(
      /x-max-priority.*current is none/,
    );
    expect(
      await redeclareProblem(urgentQueue, { ...dlx(urgentQueue), 'x-max-priority': 10 }),
    ).toBeUndefined();
  });

  it('declares priority queues for every handler when the module sets maxPriority', async () => {
    const app = await createEventsApp({ exchange, service: `${service}-mod`, maxPriority: 4 }, [Plain]);
    await app.close();
    expect(await redeclareProblem(moduleQueue, { ...dlx(moduleQueue), 'x-max-priority': 4 })).toBeUndefined();
  });

  it('hands high priorities out first from the priority queue only; the plain queue keeps publish order', async () => {
    const pub = await createEventsApp({ exchange, service: `${service}-pub`, consume: false });
    apps.push(pub);
    const publisher = pub.get(EventPublisher);
    const low = Array.from({ length: 200 }, () => ({
      type: 'Job.queued',
      data: { p: 1 },
      options: { priority: 1 },
    }));
    const high = Array.from({ length: 5 }, () => ({
      type: 'Job.queued',
      data: { p: 9 },
      options: { priority: 9 },
    }));
    await publisher.publishAll(low);
    await publisher.publishAll(high);
    expect(await queueDepth(plainQueue)).toBe(205);
    expect(await queueDepth(urgentQueue)).toBe(205);

    apps.push(await createEventsApp({ exchange, service }, [Plain, Urgent]));
    await waitFor(
      () => seen.plain.length === 205 && seen.urgent.length === 205,
      'both handlers to see all 205 events',
      30_000,
      50,
    );
    const highPositions = (list: number[]) => list.flatMap((p, i) => (p === 9 ? [i] : []));
    expect(Math.max(...highPositions(seen.urgent))).toBeLessThan(15);
    expect(highPositions(seen.plain)).toEqual([200, 201, 202, 203, 204]);
  });
});
