import type { INestApplicationContext } from '@nestjs/common';
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { SagaOrchestrator, type SagaDefinition } from 'nestjs-amqp-events/sagas';
import { AMQP_URL, deleteTopology, queueDepth, uniqueName } from '../support/broker.js';
import { ensureLibBuilt } from '../support/lib-build.js';
import { waitFor } from '../support/wait.js';
import { countRows, type TestDatabase } from '../persistence/support/databases.js';
import { createSagaApp, createSagaDatabase, sagaQueues } from './support/saga-app.js';

const WORKER = join(import.meta.dirname, 'fixtures/saga-crash-worker.mjs');

describe('a process running sagas, SIGKILLed mid-step several times (Postgres)', () => {
  const exchange = uniqueName('sagas-crash');
  const service = uniqueName('svc');
  const PER_ROUND = 6;
  const SAGAS = PER_ROUND * 5;
  let db: TestDatabase;
  let ds: DataSource;
  let starter: INestApplicationContext;
  let child: ChildProcess | undefined;
  let runs: string;
  let effects: string;

  let crashed: Promise<string> = Promise.resolve('');
  const startWorker = (crashAfter: number): Promise<ChildProcess> => {
    const worker = fork(WORKER, [], {
      env: {
        ...process.env,
        SAGA_WORKER_CONFIG: JSON.stringify({
          uri: AMQP_URL,
          exchange,
          service,
          dataSource: db.options,
          runs,
          effects,
          crashAfter,
        }),
      },
      stdio: 'inherit',
    });
    child = worker;
    crashed = new Promise<string>((resolve) =>
      worker.on(
        'message',
        (m: { type?: string; at?: string }) => m.type === 'crashing' && resolve(m.at ?? ''),
      ),
    );
    return new Promise((resolve, reject) => {
      worker.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
      worker.on('message', (m: { type?: string }) => m.type === 'ready' && resolve(worker));
    });
  };

  beforeAll(async () => {
    await ensureLibBuilt();
    db = await createSagaDatabase('postgres');
    ds = await db.connect();
    runs = db.table('step_runs');
    effects = db.table('step_effects');
    await ds.query(`CREATE TABLE ${runs} (id bigserial PRIMARY KEY, execution_id varchar(255) NOT NULL)`);
    await ds.query(`CREATE TABLE ${effects} (execution_id varchar(255) PRIMARY KEY)`);
    // starts sagas only: its handlers are not subscribed (consume: false), so the workers run every step
    const definition: SagaDefinition = {
      name: 'crashy',
      steps: ['reserve', 'charge', 'ship'].map((name) => ({ name, execute: () => undefined })),
    };
    starter = await createSagaApp({
      exchange,
      service,
      dataSource: ds,
      sagas: { sagas: [definition] },
      events: { consume: false },
    });
  }, 60_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    await starter?.close();
    await deleteTopology(exchange, sagaQueues(service));
    await db?.drop();
  });

  it('ends every saga completed or compensated; no step effect applied twice', async () => {
    const sagas = starter.get(SagaOrchestrator);
    const ids: string[] = [];
    const kills: string[] = [];
    const startSagas = async (n: number) => {
      for (let k = 0; k < n; k++) {
        const i = ids.length;
        ids.push((await sagas.start('crashy', { i, fail: i % 5 === 0 })).id);
      }
    };
    for (const crashAfter of [5, 9, 4, 7]) {
      const worker = await startWorker(crashAfter);
      // (the first worker declares the saga queue) each round starts more sagas, so every worker has work to die in
      await startSagas(PER_ROUND);
      const at = await Promise.race([
        crashed,
        new Promise<string>((_, reject) =>
          setTimeout(
            () => reject(new Error(`worker with crashAfter ${crashAfter} never reached it`)),
            // generous: on a loaded machine the redeliveries of the last kill wait out their backoff first
            45_000,
          ).unref(),
        ),
      ]);
      worker.removeAllListeners('exit'); // the "exited early" rejection of startWorker
      const exited = new Promise((r) => worker.once('exit', (_code, signal) => r(signal)));
      worker.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      kills.push(at);
    }
    await startWorker(0); // survives
    await startSagas(PER_ROUND);
    await waitFor(
      async () =>
        (await sagas.list({ status: ['completed', 'compensated', 'failed'], limit: 1000 })).length === SAGAS,
      `${SAGAS} sagas to finish`,
      45_000,
      200,
    ).catch(async (e: Error) => {
      // say where they stand: a stalled saga and a parked step message look alike from the outside
      const byStatus: Record<string, number> = {};
      for (const s of await sagas.list({ limit: 1000 })) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
      const parked = await queueDepth(`${service}.sagas.dlq`).catch(() => -1);
      throw new Error(`${e.message}; sagas by status ${JSON.stringify(byStatus)}; ${parked} in the saga DLQ`);
    });
    const completed = await sagas.list({ status: 'completed', limit: 1000 });
    const compensated = await sagas.list({ status: 'compensated', limit: 1000 });
    expect(completed.length + compensated.length).toBe(SAGAS);
    expect(compensated.map((s) => s.id).sort()).toEqual(ids.filter((_, i) => i % 5 === 0).sort());
    expect(kills).toHaveLength(4);
    // every killed step ran again (more runs than effects), but its effect exists once
    const killedRuns = await Promise.all(kills.map((k) => countRows(ds, runs, `execution_id = '${k}'`)));
    expect(killedRuns.every((n) => n >= 2)).toBe(true);
    for (const k of kills) expect(await countRows(ds, effects, `execution_id = '${k}'`)).toBe(1);
    // one effect per step run to its end: 3 per completed saga; reserve, charge and their 2 compensations per compensated one
    expect(await countRows(ds, effects)).toBe(completed.length * 3 + compensated.length * 4);
  }, 240_000);
});
