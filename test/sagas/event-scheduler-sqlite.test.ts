import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { OnEvent, type EventContext } from 'nestjs-amqp-events';
import { EventScheduler } from 'nestjs-amqp-events/sagas';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import type { TestDatabase } from '../persistence/support/databases.js';
import { createSagaApp, createSagaDatabase, sagaQueues } from './support/saga-app.js';

describe('EventScheduler on SQLite', () => {
  const exchange = uniqueName('sched-sqlite');
  const service = uniqueName('svc');
  let db: TestDatabase;
  let app: INestApplicationContext | undefined;
  const fired: string[] = [];

  @Injectable()
  class Clock {
    @OnEvent('Clock.beat', { queue: `${service}.clock` })
    on(_data: unknown, ctx: EventContext) {
      fired.push(ctx.id);
    }
  }

  const boot = async () =>
    createSagaApp({ exchange, service, dataSource: await db.connect(), sagas: { sagas: [] } }, [Clock]);

  beforeAll(async () => {
    db = await createSagaDatabase('sqlite');
  });

  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, sagaQueues(service, [`${service}.clock`]));
    await db?.drop();
  });

  it('fires every interval with deterministic ids, resumes after a restart, stops when cancelled', async () => {
    app = await boot();
    const scheduler = app.get(EventScheduler);
    const created = await scheduler.every('beat', 300, 'Clock.beat', { n: 1 });
    expect(created).toMatchObject({
      name: 'beat',
      type: 'Clock.beat',
      intervalMs: 300,
      nextTick: 1,
      data: { n: 1 },
    });
    await expect(scheduler.every('bad name', 300, 'Clock.beat', {})).rejects.toThrow(/every.name/);
    await expect(scheduler.every('x', 10, 'Clock.beat', {})).rejects.toThrow(/every.intervalMs/);
    await waitFor(() => fired.length >= 3, '3 beats');
    await app.close();
    app = await boot();
    await waitFor(() => fired.length >= 6, '3 more beats after the restart');
    expect(await app.get(EventScheduler).cancel('beat')).toBe(true);
    expect(await app.get(EventScheduler).list()).toEqual([]);
    expect(fired.slice(0, 6)).toEqual(['beat:1', 'beat:2', 'beat:3', 'beat:4', 'beat:5', 'beat:6']);
  }, 30_000);
});
