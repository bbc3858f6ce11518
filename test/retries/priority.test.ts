import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { EventPublisher, EventValidationError, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { deleteTopology, queueDepth, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { startApp } from './support/app-context.js';

jest.setTimeout(40_000);

describe('priority', () => {
  const exchange = uniqueName('prio');
  const service = uniqueName('svc');
  const queue = `${service}.Prioritized.work`;
  const handled: Array<{ priority: number; ctxPriority: number }> = [];
  const apps: INestApplicationContext[] = [];

  @Injectable()
  class Prioritized {
    @OnEvent('Work.item', { prefetch: 10, maxPriority: 10 })
    work(data: { priority: number }, ctx: EventContext) {
      handled.push({ priority: data.priority, ctxPriority: ctx.priority });
    }
  }

  afterAll(async () => {
    for (const a of apps) await a.close();
    await deleteTopology(exchange, [queue]);
  });

  it('hands priority-9 events published behind a backlog of 1,000 priority-1 events out among the first 120', async () => {
    // declare the handler queue (maxPriority: 10 → x-max-priority 10), then stop consuming
    const first = await startApp({ exchange, service }, [Prioritized]);
    await first.close();
    const pub = await startApp({ exchange, service: `${service}-pub`, consume: false });
    apps.push(pub);
    const publisher = pub.get(EventPublisher);
    await publisher.publishAll(
      Array.from({ length: 1000 }, () => ({
        type: 'Work.item',
        data: { priority: 1 },
        options: { priority: 1 },
      })),
    );
    await publisher.publishAll(
      Array.from({ length: 10 }, () => ({
        type: 'Work.item',
        data: { priority: 9 },
        options: { priority: 9 },
      })),
    );
    expect(await queueDepth(queue)).toBe(1010);

    apps.push(await startApp({ exchange, service }, [Prioritized]));
    await waitFor(() => handled.length === 1010, 'all 1,010 events', 30_000, 50);
    const positions = handled.flatMap((h, i) => (h.priority === 9 ? [i] : []));
    expect(positions).toHaveLength(10);
    expect(Math.max(...positions)).toBeLessThan(120);
    expect(handled.every((h) => h.ctxPriority === h.priority)).toBe(true);
  });

  it('rejects an invalid priority at publish with EventValidationError', async () => {
    const publisher = apps[0].get(EventPublisher);
    for (const priority of [-1, 11, 2.5]) {
      await expect(publisher.publish('Work.item', {}, { priority })).rejects.toThrow(EventValidationError);
    }
  });
});
