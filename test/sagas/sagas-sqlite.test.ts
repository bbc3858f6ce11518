import type { INestApplicationContext } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { EventPublisher } from 'nestjs-amqp-events';
import { SagaOrchestrator, type SagaDefinition, type SagaStepContext } from 'nestjs-amqp-events/sagas';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import type { TestDatabase } from '../persistence/support/databases.js';
import { createSagaApp, createSagaDatabase, sagaQueues } from './support/saga-app.js';

describe('sagas on SQLite (better-sqlite3 file)', () => {
  const exchange = uniqueName('sagas-sqlite');
  const service = uniqueName('svc');
  let db: TestDatabase;
  let ds: DataSource;
  let app: INestApplicationContext;
  let sagas: SagaOrchestrator;
  const log: string[] = [];
  const entries = (id: string) =>
    log.filter((l) => l.startsWith(`${id} `)).map((l) => l.slice(id.length + 1));
  const record = (what: string) => (_d: unknown, ctx: SagaStepContext) => {
    log.push(`${ctx.sagaId} ${what}`);
  };

  const definitions: SagaDefinition[] = [
    {
      name: 'fulfil',
      steps: [
        { name: 'reserve', execute: record('reserve'), compensate: record('release') },
        {
          name: 'charge',
          execute: (d) => ({ ...(d as object), charged: true }),
          compensate: record('refund'),
        },
        {
          name: 'ship',
          execute: (d, ctx) => {
            if ((d as { failShip?: boolean }).failShip) throw new Error('no carrier');
            record('ship')(d, ctx);
          },
        },
      ],
    },
    {
      name: 'await',
      steps: [
        { name: 'ask', execute: record('ask'), compensate: record('unask') },
        { name: 'answers', awaitEvents: { types: ['A.done', 'B.done'], timeoutMs: 10_000 } },
      ],
    },
  ];

  const finished = (id: string) =>
    waitFor(
      async () => {
        const s = await sagas.get(id);
        return s && ['completed', 'compensated', 'failed'].includes(s.status) ? s : undefined;
      },
      `saga ${id} to finish`,
      20_000,
    );

  beforeAll(async () => {
    db = await createSagaDatabase('sqlite');
    ds = await db.connect();
    app = await createSagaApp({
      exchange,
      service,
      dataSource: ds,
      sagas: { sagas: definitions, retry: { maxAttempts: 2, backoff: 'fixed', initialDelayMs: 50 } },
    });
    sagas = app.get(SagaOrchestrator);
  });

  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, sagaQueues(service));
    await db?.drop();
  });

  it('completes a saga and stores its data', async () => {
    const { id } = await sagas.start('fulfil', { order: 1 });
    const done = await finished(id);
    expect(done).toMatchObject({
      status: 'completed',
      data: { order: 1, charged: true },
      completedSteps: ['reserve', 'charge', 'ship'],
    });
    expect(entries(id)).toEqual(['reserve', 'ship']);
  });

  it('compensates in reverse order when a step fails for good', async () => {
    const { id } = await sagas.start('fulfil', { order: 2, failShip: true });
    const done = await finished(id);
    expect(done.status).toBe('compensated');
    expect(done.error).toMatch(/step "ship" failed after 2 attempt\(s\): Error: no carrier/);
    expect(entries(id)).toEqual(['reserve', 'refund', 'release']);
  });

  it('starts nothing inside a rolled-back transaction', async () => {
    const id = uniqueName('rb');
    await expect(
      ds.transaction(async (manager) => {
        await sagas.start('fulfil', { order: 3 }, { id, transaction: manager });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    const other = await sagas.start('fulfil', { order: 4 });
    await finished(other.id);
    expect(await sagas.get(id)).toBeUndefined();
    expect(entries(id)).toEqual([]);
  });

  it('resumes an awaitEvents step once both events arrived, duplicates ignored', async () => {
    const { id } = await sagas.start('await', {});
    await waitFor(async () => (await sagas.get(id))?.status === 'waiting', 'waiting');
    const events = app.get(EventPublisher);
    await events.publish('B.done', {}, { correlationId: id });
    await events.publish('B.done', {}, { correlationId: id });
    await events.publish('A.done', {}, { correlationId: id });
    expect((await finished(id)).status).toBe('completed');
  });
});
