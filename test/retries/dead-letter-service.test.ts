import { DeadLetterOps } from '../../libs/events/src/dead-letter/dead-letter-ops.js';
import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import {
  DeadLetterReplayError,
  DeadLetterService,
  EventPublisher,
  OnEvent,
  type EventContext,
} from 'nestjs-amqp-events';
import { connectRaw, deleteTopology, queueDepth, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { startApp } from './support/app-context.js';

jest.setTimeout(30_000);

describe('DeadLetterService: list, count, replay, purge', () => {
  const exchange = uniqueName('dlq');
  const service = uniqueName('svc');
  const queue = `${service}.Jobs.run`;
  const observerQueue = `${service}.Jobs.observe`;
  let broken = true;
  const handled: Array<{ id: string; attempt: number }> = [];
  const observed: string[] = [];
  let app: INestApplicationContext;
  let dls: DeadLetterService;
  let publisher: EventPublisher;

  @Injectable()
  class Jobs {
    @OnEvent('Job.run', { retry: false })
    run(_d: unknown, ctx: EventContext) {
      if (broken) throw new Error('dependency down');
      handled.push({ id: ctx.id, attempt: ctx.attempt });
    }

    @OnEvent(['Job.run', 'Job.marker'])
    observe(_d: unknown, ctx: EventContext) {
      observed.push(ctx.type);
    }
  }

  const count = (n: number) =>
    waitFor(async () => (await dls.count(queue)) === n, `${n} dead letter(s)`, 10_000, 50);

  beforeAll(async () => {
    app = await startApp({ exchange, service }, [Jobs]);
    dls = app.get(DeadLetterService);
    publisher = app.get(EventPublisher);
  });
  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, [queue, observerQueue, `${service}.orphan`]);
  });

  it('replays selected letters, then all, to that handler only, with attempts reset; they leave the DLQ', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await publisher.publish('Job.run', { i })).id);
    await count(3);
    expect(await dls.count()).toBe(3); // every handler queue of this service
    const listed = await dls.list(queue, { limit: 2 });
    expect(listed.map((l) => l.id)).toEqual(ids.slice(0, 2)); // oldest first, not removed
    expect(await dls.count(queue)).toBe(3);

    broken = false;
    expect(await dls.replay(queue, [ids[1]])).toEqual([ids[1]]);
    await waitFor(() => handled.length === 1, 'the replayed letter');
    expect(handled[0]).toEqual({ id: ids[1], attempt: 1 });
    expect((await dls.list(`${queue}.dlq`)).map((l) => l.id)).toEqual([ids[0], ids[2]]); // the others stay, in order

    expect((await dls.replay(queue)).sort()).toEqual([ids[0], ids[2]].sort());
    await waitFor(() => handled.length === 3, 'all replayed letters');
    expect(await dls.count(queue)).toBe(0);

    // the other handler of the event saw each event once, never a replay (its queue is FIFO: the marker comes last)
    await publisher.publish('Job.marker', {});
    await waitFor(() => observed.includes('Job.marker'), 'the marker');
    expect(observed.filter((t) => t === 'Job.run')).toHaveLength(3);
  });

  it('purges a DLQ and reports how many letters it removed', async () => {
    broken = true;
    await publisher.publishAll([
      { type: 'Job.run', data: {} },
      { type: 'Job.run', data: {} },
    ]);
    await count(2);
    expect(await dls.purge(queue)).toBe(2);
    expect(await dls.count(queue)).toBe(0);
  });

  it('keeps a letter in the DLQ when no queue takes the replay (DeadLetterReplayError)', async () => {
    const orphan = `${service}.orphan`;
    const conn = await connectRaw();
    try {
      const ch = await conn.createConfirmChannel();
      await ch.assertQueue(`${orphan}.dlq`, { durable: true });
      ch.sendToQueue(`${orphan}.dlq`, Buffer.from('{}'), {
        messageId: 'lost-1',
        type: 'Job.gone',
        contentType: 'application/json',
      });
      await ch.waitForConfirms();
      await ch.close();
      const ops = new DeadLetterOps(conn, exchange);
      const err = await ops.replay(orphan).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeadLetterReplayError);
      expect((err as Error).message).toContain(`no queue "${orphan}" is bound to ${exchange}.retry`);
      expect(await queueDepth(`${orphan}.dlq`)).toBe(1);
      expect((await ops.find(orphan, ['lost-1']))[0]).toMatchObject({ id: 'lost-1', type: 'Job.gone' });
      expect(await ops.discard(orphan, ['lost-1', 'other'])).toEqual(['lost-1']);
      expect(await ops.count(orphan)).toBe(0);
    } finally {
      await conn.close();
    }
  });
});
