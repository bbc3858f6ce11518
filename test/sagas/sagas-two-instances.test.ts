import type { INestApplicationContext } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { EventPublisher } from 'nestjs-amqp-events';
import { SagaOrchestrator, type SagaDefinition, type SagaStepContext } from 'nestjs-amqp-events/sagas';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { countRows, type TestDatabase } from '../persistence/support/databases.js';
import { createSagaApp, createSagaDatabase, sagaQueues } from './support/saga-app.js';

describe('two app instances running 200 concurrent sagas (Postgres)', () => {
  const exchange = uniqueName('sagas-2x');
  const service = uniqueName('svc');
  const SAGAS = 200;
  let db: TestDatabase;
  let effects: string;
  let admin: DataSource;
  const apps: INestApplicationContext[] = [];
  const executions = new Map<string, number>();
  const inFlight = new Set<string>();
  let overlaps = 0;

  const effect = (name: string, instance: () => DataSource) => async (_d: unknown, ctx: SagaStepContext) => {
    if (inFlight.has(ctx.sagaId)) overlaps++;
    inFlight.add(ctx.sagaId);
    try {
      executions.set(ctx.executionId, (executions.get(ctx.executionId) ?? 0) + 1);
      // unique key: a second execution of one step would fail here and the saga would not complete
      await instance().query(`INSERT INTO ${effects} (execution_id, step) VALUES ($1, $2)`, [
        ctx.executionId,
        name,
      ]);
    } finally {
      inFlight.delete(ctx.sagaId);
    }
  };

  beforeAll(async () => {
    db = await createSagaDatabase('postgres');
    admin = await db.connect();
    effects = db.table('saga_effects');
    await admin.query(
      `CREATE TABLE ${effects} (execution_id varchar(255) PRIMARY KEY, step varchar(50) NOT NULL)`,
    );
    for (let i = 0; i < 2; i++) {
      const ds = await db.connect();
      const definition: SagaDefinition = {
        name: 'fulfil',
        steps: ['reserve', 'charge', 'ship'].map((name) => ({
          name,
          execute: effect(name, () => ds),
          retry: { maxAttempts: 1 },
        })),
      };
      apps.push(
        await createSagaApp({
          exchange,
          service,
          dataSource: ds,
          sagas: { sagas: [definition] },
          events: { prefetch: 50 },
        }),
      );
    }
  });

  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await deleteTopology(exchange, sagaQueues(service));
    await db?.drop();
  });

  it('executes each step once per saga, every saga completed, even with duplicated step messages', async () => {
    const started = Date.now();
    const ids = await Promise.all(
      Array.from({ length: SAGAS }, (_, i) =>
        apps[i % 2]
          .get(SagaOrchestrator)
          .start('fulfil', { i })
          .then((s) => s.id),
      ),
    );
    // duplicates of every first step message, from both instances, racing the real one
    const duplicate = (id: string, i: number) => ({ saga: id, kind: 'execute', step: 0, attempt: 1, i });
    await Promise.all(
      ids.flatMap((id, i) =>
        apps.map((app) => app.get(EventPublisher).publish(`Saga.${service}.step`, duplicate(id, i))),
      ),
    );
    const sagas = apps[0].get(SagaOrchestrator);
    await waitFor(
      async () =>
        (await sagas.list({ status: ['completed', 'compensated', 'failed'], limit: 1000 })).length === SAGAS,
      `${SAGAS} sagas to finish`,
      45_000,
      100,
    );
    const elapsed = Date.now() - started;
    const byStatus = await sagas.list({ status: 'completed', limit: 1000 });
    expect(byStatus.map((s) => s.id).sort()).toEqual([...ids].sort());
    expect(await countRows(admin, effects)).toBe(SAGAS * 3);
    expect([...executions.values()].every((n) => n === 1)).toBe(true);
    expect(executions.size).toBe(SAGAS * 3);
    expect(overlaps).toBe(0);
    process.stdout.write(`200 sagas x 3 steps on two instances: ${elapsed} ms\n`);
  }, 60_000);
});
