import type { INestApplicationContext } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { NonRetryableError } from 'nestjs-amqp-events';
import { SagaMetrics, SagaOrchestrator, type SagaDefinition } from 'nestjs-amqp-events/sagas';
import { installOtelSdk } from '../observability/otel-sdk.js';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import type { TestDatabase } from '../persistence/support/databases.js';
import { createSagaApp, createSagaDatabase, sagaQueues } from './support/saga-app.js';

describe('saga metrics (SQLite)', () => {
  const exchange = uniqueName('sagas-metrics');
  const service = uniqueName('svc');
  let otel: ReturnType<typeof installOtelSdk>;
  let db: TestDatabase;
  let ds: DataSource;
  let app: INestApplicationContext;
  let sagas: SagaOrchestrator;

  const definitions: SagaDefinition[] = [
    {
      name: 'ok',
      steps: [
        { name: 'a', execute: () => undefined },
        { name: 'b', execute: () => undefined },
      ],
    },
    {
      name: 'undo',
      steps: [
        { name: 'a', execute: () => undefined, compensate: () => undefined },
        {
          name: 'b',
          execute: () => {
            throw new NonRetryableError('refused');
          },
        },
      ],
    },
    {
      name: 'stuck',
      steps: [
        {
          name: 'a',
          execute: () => undefined,
          compensate: () => {
            throw new Error('cannot undo');
          },
        },
        {
          name: 'b',
          execute: () => {
            throw new NonRetryableError('refused');
          },
        },
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
    otel = installOtelSdk(); // before the app: instruments bind to the provider when created
    db = await createSagaDatabase('sqlite');
    ds = await db.connect();
    app = await createSagaApp({
      exchange,
      service,
      dataSource: ds,
      sagas: { sagas: definitions, retry: { maxAttempts: 2, backoff: 'fixed', initialDelayMs: 20 } },
    });
    sagas = app.get(SagaOrchestrator);
  });

  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, sagaQueues(service));
    await db?.drop();
    await otel?.uninstall();
  });

  it('counts sagas started, completed, compensated and failed, and times every step run', async () => {
    const started = await Promise.all(
      ['ok', 'ok', 'undo', 'stuck'].map((name) => sagas.start(name, {}).then((s) => s.id)),
    );
    const statuses = await Promise.all(started.map(async (id) => (await finished(id)).status));
    expect(statuses).toEqual(['completed', 'completed', 'compensated', 'failed']);

    const snap = app.get(SagaMetrics).snapshot();
    expect(snap).toMatchObject({
      started: 4,
      completed: 2,
      compensated: 1,
      failed: 1,
      bySaga: {
        ok: { started: 2, completed: 2, compensated: 0, failed: 0 },
        undo: { started: 1, completed: 0, compensated: 1, failed: 0 },
        stuck: { started: 1, completed: 0, compensated: 0, failed: 1 },
      },
      // ok: 2 × (a, b); undo: a, b ✘, undo a; stuck: a, b ✘, undo a ✘ twice (2 attempts)
      stepFailures: 4,
    });
    expect(snap.stepDurationMs.count).toBe(11);
    expect(snap.stepDurationMs.sum).toBeGreaterThan(0);

    // the same through OpenTelemetry, labelled by service and saga
    const sum = async (metric: string, saga: string) =>
      (await otel.points(metric))
        .filter((p) => p.attributes.saga === saga && p.attributes.service === service)
        .reduce((n, p) => n + Number(p.value), 0);
    expect(await sum('sagas.started', 'ok')).toBe(2);
    expect(await sum('sagas.completed', 'ok')).toBe(2);
    expect(await sum('sagas.compensated', 'undo')).toBe(1);
    expect(await sum('sagas.failed', 'stuck')).toBe(1);
    const durations = (await otel.points('sagas.step.duration')).filter(
      (p) => p.attributes.service === service,
    );
    const count = (saga: string, step: string, phase: string, outcome: string) =>
      durations
        .filter(
          (p) =>
            p.attributes.saga === saga &&
            p.attributes.step === step &&
            p.attributes.phase === phase &&
            p.attributes.outcome === outcome,
        )
        .reduce((n, p) => n + (p.value as { count: number }).count, 0);
    expect(count('ok', 'a', 'execute', 'ok')).toBe(2);
    expect(count('undo', 'b', 'execute', 'error')).toBe(1);
    expect(count('undo', 'a', 'compensate', 'ok')).toBe(1);
    expect(count('stuck', 'a', 'compensate', 'error')).toBe(2);
  });
});
