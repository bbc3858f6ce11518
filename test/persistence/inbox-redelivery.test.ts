import { Injectable, type INestApplicationContext } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DeadLetterService, EventPublisher, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { connectRaw, deleteTopology, uniqueName } from '../support/broker.js';
import { rabbitmqctl } from '../support/rabbitmqctl.js';
import { waitFor } from '../support/wait.js';
import { countRows, createTestDatabase, type TestDatabase } from './support/databases.js';
import { createPersistenceApp } from './support/persistence-app.js';

/**
 * Failover is not failure, across instances: a broker redelivery that this process knows nothing about
 * (another instance held the message and lost its connection after its inbox row committed) is
 * recognised by the inbox of a deduplicating handler and acked, instead of counting as an attempt.
 * With `maxAttempts: 1` that used to park an event that had been handled (reason `redelivery-limit`).
 */
describe.each(['sqlite', 'postgres'] as const)('inbox: a redelivery of a processed event (%s)', (dialect) => {
  const exchange = uniqueName('inbox-redeliver');
  const service = uniqueName('svc');
  const queue = `${service}.Once.handle`;
  let db: TestDatabase;
  let ds: DataSource;
  let app: INestApplicationContext | undefined;
  const runs: string[] = [];

  @Injectable()
  class Once {
    @OnEvent('Order.placed', { idempotent: true, retry: { maxAttempts: 1 } })
    handle(_data: unknown, ctx: EventContext) {
      runs.push(ctx.id);
    }
  }

  const start = async () => (app = await createPersistenceApp({ exchange, service, dataSource: ds }, [Once]));

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    ds = await db.connect();
    await start();
  });

  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, [queue]);
    await db?.drop();
  });

  it('acks it without running the handler or counting an attempt: nothing parked', async () => {
    const { id } = await app!.get(EventPublisher).publish('Order.placed', { n: 1 });
    await waitFor(
      async () => (await countRows(ds, db.table('events_inbox'), `event_id = '${id}'`)) === 1,
      'the inbox row',
    );
    expect(runs).toEqual([id]);
    await app!.close();
    app = undefined;

    // the same message comes back as a redelivery (redelivered flag set by the broker): a raw consumer
    // takes a copy and closes its channel without acking, as an instance losing its connection would
    const conn = await connectRaw();
    try {
      const ch = await conn.createChannel();
      const body = Buffer.from(JSON.stringify({ n: 1 }));
      ch.sendToQueue(queue, body, {
        messageId: id,
        type: 'Order.placed',
        contentType: 'application/json',
        persistent: true,
      });
      const taken = await waitFor(async () => (await ch.get(queue, { noAck: false })) || undefined, 'a copy');
      expect(taken.fields.redelivered).toBe(false);
      await ch.close(); // unacked: the broker requeues it with redelivered = true
    } finally {
      await conn.close();
    }

    await start(); // a fresh process: its delivery memory knows nothing of the message
    // settled: ready and unacknowledged both zero (rabbitmqctl counts both)
    await waitFor(
      async () =>
        /\s0\s*$/m.test(
          await rabbitmqctl('list_queues', '-q', 'name', 'messages', '--no-table-headers').then(
            (out) => out.split('\n').find((l) => l.startsWith(`${queue}\t`)) ?? '',
          ),
        ),
      'the redelivery to be settled',
    );
    expect(await app!.get(DeadLetterService).count(queue)).toBe(0);
    expect(runs).toEqual([id]);
  });
});
