import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { DeadLetterService, EventPublisher, EventsMetrics, OnEvent } from 'nestjs-amqp-events';
import { AMQP_URL, deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { ensureLibBuilt } from '../support/lib-build.js';
import {
  countRows,
  createEffectsTable,
  createTestDatabase,
  type Dialect,
  type TestDatabase,
} from './support/databases.js';
import { createPersistenceApp } from './support/persistence-app.js';

const CHILD = join(import.meta.dirname, 'fixtures/crash-consumer.mjs');

/** Starts the child consumer and resolves once it is subscribed. */
function startChild(config: Record<string, unknown>): Promise<ChildProcess> {
  const child = fork(CHILD, [], {
    env: { ...process.env, CRASH_CONSUMER_CONFIG: JSON.stringify(config) },
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    child.on('message', (m: { type?: string }) => m.type === 'ready' && resolve(child));
  });
}

describe.each<Dialect>(['postgres', 'sqlite'])('a consumer killed between commit and ack (%s)', (dialect) => {
  const exchange = uniqueName('crash');
  const service = uniqueName('svc');
  const queue = `${service}.crash`;
  let db: TestDatabase;
  let ds: DataSource;
  let effects: string;
  let child: ChildProcess | undefined;
  let app: INestApplicationContext | undefined;
  let parentRuns = 0;

  @Injectable()
  class SurvivorHandlers {
    @OnEvent('Crash.test', {
      queue,
      idempotent: true,
      transactional: true,
      retry: { maxAttempts: 3, initialDelayMs: 100 },
    })
    handle() {
      parentRuns++;
    }
  }

  beforeAll(async () => {
    await ensureLibBuilt();
    db = await createTestDatabase(dialect);
    ds = await db.connect();
    effects = await createEffectsTable(db, ds);
  }, 120_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    await app?.close();
    await deleteTopology(exchange, [queue]);
    await db?.drop();
  });

  it('skips the redelivery: the effect happened once and the survivor never runs the handler body', async () => {
    child = await startChild({
      dialect,
      uri: AMQP_URL,
      exchange,
      service,
      queue,
      effects,
      dataSource: db.options,
    });
    const committed = new Promise<void>((r) =>
      child!.on('message', (m: { type?: string }) => m.type === 'committed' && r()),
    );
    const exited = new Promise<NodeJS.Signals | null>((r) =>
      child!.once('exit', (_code, signal) => r(signal)),
    );

    app = await createPersistenceApp({ exchange, service, dataSource: ds, consume: false });
    const { id } = await app.get(EventPublisher).publish('Crash.test', { n: 1 });
    await committed; // the child's transaction (effect + inbox row) is committed; its ack is not sent
    expect(await countRows(ds, effects, `event_id = '${id}'`)).toBe(1);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    await app.close();

    // the survivor takes over the queue and receives the broker's redelivery
    app = await createPersistenceApp({ exchange, service, dataSource: ds }, [SurvivorHandlers]);
    // the survivor's inbox knows the event: the redelivery is acked without running or counting it
    await waitFor(
      () => app!.get(EventsMetrics).snapshot().skipped === 1,
      'the redelivery to be settled',
      15_000,
    );
    expect(app.get(EventsMetrics).snapshot()).toMatchObject({ handled: 0, retried: 0, deadLettered: 0 });
    expect(parentRuns).toBe(0);
    expect(await countRows(ds, effects)).toBe(1);
    expect(await countRows(ds, db.table('events_inbox'))).toBe(1);
    expect(await app.get(DeadLetterService).count(queue)).toBe(0);
  }, 60_000);
});
