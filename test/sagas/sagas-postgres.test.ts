import { Injectable, type INestApplicationContext } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { EventPublisher, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { SagaOrchestrator, type SagaDefinition, type SagaInstance } from 'nestjs-amqp-events/sagas';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import type { TestDatabase } from '../persistence/support/databases.js';
import { createSagaApp, createSagaDatabase, sagaQueues } from './support/saga-app.js';

interface Order {
  orderId: string;
  charged?: boolean;
  got?: string[];
}

describe('sagas on Postgres', () => {
  const exchange = uniqueName('sagas-pg');
  const service = uniqueName('svc');
  let db: TestDatabase;
  let ds: DataSource;
  let app: INestApplicationContext;
  let sagas: SagaOrchestrator;
  const log: string[] = [];
  const attempts = new Map<string, number[]>();
  const lifecycle: Array<{ type: string; id: string; name: string }> = [];
  const entries = (id: string) =>
    log.filter((l) => l.startsWith(`${id} `)).map((l) => l.slice(id.length + 1));

  const step = (
    name: string,
    opts: { fail?: (attempt: number) => boolean; compensate?: 'ok' | 'throw' } = {},
  ) => ({
    name,
    execute: (d: Order, ctx: { sagaId: string; attempt: number }) => {
      attempts.set(`${ctx.sagaId}:${name}`, [...(attempts.get(`${ctx.sagaId}:${name}`) ?? []), ctx.attempt]);
      if (opts.fail?.(ctx.attempt)) throw new Error(`${name} failed on attempt ${ctx.attempt}`);
      log.push(`${ctx.sagaId} ${name}`);
      return name === 'charge' ? { charged: true } : undefined;
    },
    ...(opts.compensate
      ? {
          compensate: (_d: Order, ctx: { sagaId: string }) => {
            if (opts.compensate === 'throw') throw new Error(`cannot undo ${name}`);
            log.push(`${ctx.sagaId} undo-${name}`);
          },
        }
      : {}),
  });

  const definitions: Array<SagaDefinition<Order>> = [
    { name: 'happy', steps: [step('reserve', { compensate: 'ok' }), step('charge'), step('ship')] },
    { name: 'flaky', steps: [step('reserve'), step('charge', { fail: (a) => a < 3 }), step('ship')] },
    {
      name: 'doomed',
      steps: [
        step('reserve', { compensate: 'ok' }),
        step('note'),
        step('charge', { compensate: 'ok' }),
        step('ship', { fail: () => true }),
      ],
    },
    {
      name: 'stubborn',
      steps: [step('reserve', { compensate: 'throw' }), step('charge', { fail: () => true })],
    },
    {
      name: 'waiter',
      steps: [
        step('request', { compensate: 'ok' }),
        {
          name: 'collect',
          awaitEvents: {
            types: ['Stock.reserved', 'Payment.authorized'],
            timeoutMs: 2500,
            merge: (_d, ev) => ({ got: Object.keys(ev).sort() }),
          },
        },
        step('ship'),
      ],
    },
    {
      name: 'slow',
      timeoutMs: 800,
      steps: [
        step('reserve', { compensate: 'ok' }),
        { name: 'forever', awaitEvents: { types: ['Never.happens'], timeoutMs: 60_000 } },
      ],
    },
  ];

  @Injectable()
  class LifecycleListener {
    @OnEvent('Saga.*', { queue: `${service}.lifecycle` })
    on(data: { id: string; name: string }, ctx: EventContext) {
      if (['Saga.started', 'Saga.completed', 'Saga.compensated', 'Saga.failed'].includes(ctx.type))
        lifecycle.push({ type: ctx.type, id: data.id, name: data.name });
    }
  }

  const finished = (id: string) =>
    waitFor(
      async () => {
        const s = await sagas.get<Order>(id);
        return s && ['completed', 'compensated', 'failed'].includes(s.status) ? s : undefined;
      },
      `saga ${id} to finish`,
      20_000,
    );

  beforeAll(async () => {
    db = await createSagaDatabase('postgres');
    ds = await db.connect();
    app = await createSagaApp(
      {
        exchange,
        service,
        dataSource: ds,
        sagas: {
          sagas: definitions,
          retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 100 },
          leaseMs: 2000,
        },
      },
      [LifecycleListener],
    );
    sagas = app.get(SagaOrchestrator);
  });

  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, sagaQueues(service, [`${service}.lifecycle`]));
    await db?.drop();
  });

  it('runs every step once, merges returned changes and publishes Saga.started and Saga.completed', async () => {
    const started = await sagas.start('happy', { orderId: 'o-1' });
    expect(started.status).toBe('running');
    const done = await finished(started.id);
    expect(done).toMatchObject({
      status: 'completed',
      completedSteps: ['reserve', 'charge', 'ship'],
      data: { orderId: 'o-1', charged: true },
    });
    expect(entries(started.id)).toEqual(['reserve', 'charge', 'ship']);
    await waitFor(
      () => lifecycle.some((e) => e.id === started.id && e.type === 'Saga.completed'),
      'Saga.completed',
    );
    expect(lifecycle.filter((e) => e.id === started.id).map((e) => e.type)).toEqual([
      'Saga.started',
      'Saga.completed',
    ]);
  });

  it('retries a step that fails twice, then succeeds on the third attempt', async () => {
    const { id } = await sagas.start('flaky', { orderId: 'o-2' });
    const done = await finished(id);
    expect(done.status).toBe('completed');
    expect(attempts.get(`${id}:charge`)).toEqual([1, 2, 3]);
    expect(entries(id)).toEqual(['reserve', 'charge', 'ship']);
  });

  it('compensates completed steps in reverse order after the last attempt, ending compensated', async () => {
    const { id } = await sagas.start('doomed', { orderId: 'o-3' });
    const done = await finished(id);
    expect(done.status).toBe('compensated');
    expect(done.error).toMatch(/step "ship" failed after 3 attempt\(s\): Error: ship failed on attempt 3/);
    expect(attempts.get(`${id}:ship`)).toEqual([1, 2, 3]);
    expect(entries(id)).toEqual(['reserve', 'note', 'charge', 'undo-charge', 'undo-reserve']);
    await waitFor(
      () => lifecycle.some((e) => e.id === id && e.type === 'Saga.compensated'),
      'Saga.compensated',
    );
  });

  it('parks a saga whose compensation keeps failing as failed, with the error, visible in list()', async () => {
    const { id } = await sagas.start('stubborn', { orderId: 'o-4' });
    const done = await finished(id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(
      /compensation of step "reserve" failed after 3 attempt\(s\): Error: cannot undo reserve/,
    );
    const failed = await sagas.list({ status: 'failed' });
    expect(failed.map((s: SagaInstance) => s.id)).toContain(id);
    expect((await sagas.list({ name: 'stubborn' })).map((s) => s.id)).toEqual([id]);
    await waitFor(() => lifecycle.some((e) => e.id === id && e.type === 'Saga.failed'), 'Saga.failed');
  });

  it('starts nothing inside a rolled-back transaction, and starts iff the caller commits', async () => {
    const rolledBack = uniqueName('rb');
    await expect(
      ds.transaction(async (manager) => {
        await sagas.start('happy', { orderId: 'o-5' }, { id: rolledBack, transaction: manager });
        throw new Error('the caller rolls back');
      }),
    ).rejects.toThrow('the caller rolls back');
    const committed = uniqueName('ok');
    await ds.transaction((manager) =>
      sagas.start('happy', { orderId: 'o-6' }, { id: committed, transaction: manager }),
    );
    expect((await finished(committed)).status).toBe('completed');
    expect(await sagas.get(rolledBack)).toBeUndefined();
    expect(entries(rolledBack)).toEqual([]);
    expect(lifecycle.some((e) => e.id === rolledBack)).toBe(false);
  });

  it('awaitEvents: completes when every type arrived, in any order, duplicates ignored, even one sent early', async () => {
    const { id } = await sagas.start('waiter', { orderId: 'o-7' });
    const events = app.get(EventPublisher);
    // sent before the saga waits: postponed, not lost
    await events.publish('Payment.authorized', { ok: 1 }, { correlationId: id });
    await waitFor(async () => (await sagas.get(id))?.status === 'waiting', 'saga waiting');
    await events.publish('Payment.authorized', { ok: 2 }, { correlationId: id });
    await events.publish('Stock.reserved', { ok: 3 }, { correlationId: id });
    await events.publish('Stock.reserved', { ok: 4 }, { correlationId: id });
    const done = await finished(id);
    expect(done).toMatchObject({
      status: 'completed',
      completedSteps: ['request', 'collect', 'ship'],
      data: { got: ['Payment.authorized', 'Stock.reserved'] },
    });
    expect(entries(id)).toEqual(['request', 'ship']);
  });

  it('awaitEvents: compensates when the step times out, naming the missing type; a late event changes nothing', async () => {
    const { id } = await sagas.start('waiter', { orderId: 'o-8' });
    await waitFor(async () => (await sagas.get(id))?.status === 'waiting', 'saga waiting');
    await app.get(EventPublisher).publish('Stock.reserved', {}, { correlationId: id });
    const done = await finished(id);
    expect(done.status).toBe('compensated');
    expect(done.error).toMatch(/awaitEvents of step "collect" timed out; missing: Payment.authorized/);
    expect(entries(id)).toEqual(['request', 'undo-request']);
    await app.get(EventPublisher).publish('Payment.authorized', {}, { correlationId: id });
    expect((await sagas.get(id))?.status).toBe('compensated');
  });

  it('compensates a saga not finished within its timeoutMs', async () => {
    const { id } = await sagas.start('slow', { orderId: 'o-9' });
    const done = await finished(id);
    expect(done.status).toBe('compensated');
    expect(done.error).toBe('saga timed out after 800 ms');
    expect(entries(id)).toEqual(['reserve', 'undo-reserve']);
  });

  it('abort() compensates a waiting saga now', async () => {
    const { id } = await sagas.start('waiter', { orderId: 'o-10' });
    await waitFor(async () => (await sagas.get(id))?.status === 'waiting', 'saga waiting');
    await sagas.abort(id);
    const done = await finished(id);
    expect(done).toMatchObject({ status: 'compensated', error: 'aborted' });
    expect(entries(id)).toEqual(['request', 'undo-request']);
  });

  it('refuses an unknown saga name and a duplicate id with typed errors', async () => {
    await expect(sagas.start('nope', {})).rejects.toThrow(/unknown saga "nope"; registered: happy, flaky/);
    const { id } = await sagas.start('happy', { orderId: 'o-11' });
    await expect(sagas.start('happy', { orderId: 'o-11' }, { id })).rejects.toThrow(
      `a saga with id "${id}" already exists`,
    );
    await finished(id);
  });
});
