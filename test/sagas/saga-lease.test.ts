import type { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { EventPublisher, EventsMetrics } from 'nestjs-amqp-events';
import { SagaOrchestrator, type SagaDefinition } from 'nestjs-amqp-events/sagas';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import type { TestDatabase } from '../persistence/support/databases.js';
import { createSagaApp, createSagaDatabase, sagaQueues } from './support/saga-app.js';

/**
 * A step that runs 8 times longer than the saga lease, while copies of its step message reach both
 * instances (as after an outbox resend or a redelivery on a connection loss). The running instance
 * renews the lease while the step runs, so the other one keeps postponing its copy and then drops it
 * once the step's transition committed: the step runs once, never twice at the same time.
 */
describe('a saga step that runs longer than its lease, two instances (Postgres)', () => {
  const exchange = uniqueName('sagas-lease');
  const service = uniqueName('svc');
  const LEASE_MS = 250;
  const STEP_MS = 2_000;
  let db: TestDatabase;
  const apps: INestApplicationContext[] = [];
  const runs: Array<{ instance: number; start: number; end?: number }> = [];
  let running = 0;
  let maxConcurrent = 0;

  const slowStep = (instance: number) => async () => {
    const run: { instance: number; start: number; end?: number } = { instance, start: Date.now() };
    runs.push(run);
    running++;
    maxConcurrent = Math.max(maxConcurrent, running);
    await new Promise((r) => setTimeout(r, STEP_MS));
    running--;
    run.end = Date.now();
  };

  beforeAll(async () => {
    db = await createSagaDatabase('postgres');
    for (let instance = 0; instance < 2; instance++) {
      const ds: DataSource = await db.connect();
      const definition: SagaDefinition = {
        name: 'slow',
        steps: [
          { name: 'slow', execute: slowStep(instance), retry: { maxAttempts: 1 } },
          { name: 'done', execute: () => undefined },
        ],
      };
      apps.push(
        await createSagaApp({
          exchange,
          service,
          dataSource: ds,
          sagas: { sagas: [definition], leaseMs: LEASE_MS },
        }),
      );
    }
  });

  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await deleteTopology(exchange, sagaQueues(service));
    await db?.drop();
  });

  it('renews the lease while the step runs: duplicates are postponed, then dropped; one run only', async () => {
    const sagas = apps[0].get(SagaOrchestrator);
    const { id } = await sagas.start('slow', {});
    await waitFor(() => (runs.length === 1 ? true : undefined), 'the slow step to start', 10_000);

    // copies of the running step's message, on the queue both instances consume (round robin: both get some)
    const publisher = apps[1].get(EventPublisher);
    for (let i = 0; i < 4; i++)
      await publisher.publish(
        `Saga.${service}.step`,
        { saga: id, kind: 'execute', step: 0, attempt: 1 },
        { id: `dup-${randomUUID()}` },
      );

    const done = await waitFor(
      async () => {
        const s = await sagas.get(id);
        return s?.status === 'completed' ? s : undefined;
      },
      'the saga to complete',
      20_000,
    );
    expect(done.completedSteps).toEqual(['slow', 'done']);
    // the lease expired 8 times over during the step, yet nobody else started it
    expect(runs).toHaveLength(1);
    expect(maxConcurrent).toBe(1);
    expect(runs[0].end! - runs[0].start).toBeGreaterThanOrEqual(STEP_MS - 5);

    // every copy was handled (postponed while the lease held, then dropped as stale once the step's
    // transition committed): 2 step messages + 4 copies handled on the saga queue, the step still ran once
    const handled = () => apps.reduce((n, app) => n + app.get(EventsMetrics).snapshot().handled, 0);
    await waitFor(() => (handled() >= 6 ? true : undefined), 'the copies to be handled', 20_000);
    expect(handled()).toBe(6);
    expect(runs).toHaveLength(1);
  }, 40_000);
});
