import type { INestApplicationContext } from '@nestjs/common';
import type { GetMessage } from 'amqplib';
import { SagaOrchestrator, type SagaDefinition } from 'nestjs-amqp-events/sagas';
import { connectRaw, deleteTopology, queueDepth, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import type { TestDatabase } from '../persistence/support/databases.js';
import { createSagaApp, createSagaDatabase, sagaQueues } from './support/saga-app.js';

/**
 * Every message an instance had prefetched comes back flagged `redelivered` when it dies, and an unknown
 * redelivery counts as an attempt. A step message that sat in the prefetch of instances that died in a
 * row (a crash-looping deploy) reaches the events module's `maxAttempts` without ever having run. The
 * saga queues keep their own, higher limit (SAGA_DELIVERY_RETRY), so that message still runs and its saga
 * does not stall. Here: the step message arrives redelivered at attempt 3, the module's `maxAttempts`.
 */
describe('a saga step message redelivered at the module retry limit (Postgres)', () => {
  const exchange = uniqueName('sagas-redeliver');
  const service = uniqueName('svc');
  const queue = `${service}.sagas`;
  let db: TestDatabase;
  const apps: INestApplicationContext[] = [];
  let runs = 0;
  const definition: SagaDefinition = {
    name: 'held',
    steps: [{ name: 'only', execute: () => void runs++ }],
  };

  const app = async (consume: boolean) => {
    const a = await createSagaApp({
      exchange,
      service,
      dataSource: await db.connect(),
      sagas: { sagas: [definition] },
      events: { consume }, // the module's retry: maxAttempts 3 (support/saga-app)
    });
    apps.push(a);
    return a;
  };

  beforeAll(async () => {
    db = await createSagaDatabase('postgres');
  }, 30_000);

  afterAll(async () => {
    for (const a of apps) await a.close().catch(() => undefined);
    await deleteTopology(exchange, sagaQueues(service));
    await db?.drop();
  });

  it('still runs the step and completes the saga; nothing is dead-lettered', async () => {
    await (await app(true)).close(); // declares the saga queues, then nobody consumes them
    const { id } = await (await app(false)).get(SagaOrchestrator).start('held', {});

    const conn = await connectRaw();
    try {
      const ch = await conn.createChannel();
      const take = () =>
        waitFor(async () => (await ch.get(queue, { noAck: false })) || undefined, 'the step message', 10_000);
      const first = (await take()) as GetMessage;
      // as if two instances had died holding it: it carries attempt 3
      ch.sendToQueue(queue, first.content, {
        ...first.properties,
        headers: { ...first.properties.headers, 'x-attempt': 3 },
      });
      ch.ack(first);
      await take(); // held, never acked: closing the connection gives it back flagged redelivered
    } finally {
      await conn.close();
    }

    const sagas = (await app(true)).get(SagaOrchestrator);
    await waitFor(
      async () => ((await sagas.get(id))?.status === 'completed' ? true : undefined),
      'the saga to complete',
      20_000,
    );
    expect(runs).toBe(1);
    expect(await queueDepth(`${queue}.dlq`)).toBe(0);
  }, 60_000);
});
