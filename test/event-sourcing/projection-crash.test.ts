import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { EventStore, ProjectionService } from 'nestjs-amqp-events/event-sourcing';
import type { DataSource } from 'typeorm';
import { ensureLibBuilt } from '../support/lib-build.js';
import { waitFor } from '../support/wait.js';
import {
  APPLIED_CONFIG,
  AppliedProjection,
  appliedRows,
  createAppliedTable,
} from './support/applied.projection.js';
import { createEsApp } from './support/es-app.js';
import { createEventStoreDatabase, type Dialect, type TestDatabase } from './support/es-database.js';

const CHILD = join(import.meta.dirname, 'fixtures/projection-child.mjs');

describe.each<Dialect>(['postgres', 'sqlite'])('a projector process killed mid-batch (%s)', (dialect) => {
  let db: TestDatabase;
  let ds: DataSource;
  let table: string;
  let child: ChildProcess | undefined;
  let app: INestApplicationContext | undefined;

  beforeAll(async () => {
    await ensureLibBuilt();
    db = await createEventStoreDatabase(dialect);
    ds = await db.connect();
    table = await createAppliedTable(db, ds);
  }, 120_000);
  afterAll(async () => {
    child?.kill('SIGKILL');
    await app?.close();
    await db?.drop();
  });

  it('loses nothing and applies nothing twice when another instance takes over', async () => {
    const writer = await createEsApp({ dataSource: ds, es: { projections: { enabled: false } } });
    const store = writer.get(EventStore);
    for (let s = 0; s < 4; s++)
      await store.append(
        `crash-${s}`,
        Array.from({ length: 50 }, (_, i) => ({ type: 'Load.crash', data: { s, i } })),
        { expectedVersion: 'no-stream' },
      );
    await writer.close();

    const { migrations: _m, ...dataSource } = db.options as typeof db.options & { migrations?: unknown };
    child = fork(CHILD, [], {
      env: {
        ...process.env,
        PROJECTION_CHILD_CONFIG: JSON.stringify({ dialect, table, freezeAfter: 80, dataSource }),
      },
      stdio: 'inherit',
    });
    const exited = new Promise((r) => child!.once('exit', r));
    await new Promise<void>((resolve, reject) => {
      child!.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
      child!.on('message', (m: { type?: string }) => m.type === 'frozen' && resolve());
    });
    child.kill('SIGKILL');
    await exited;
    // the first batch (50 events) committed; the 30 rows of the second batch died with the transaction
    expect((await appliedRows(ds, table)).map((r) => r.instance)).toEqual(Array(50).fill('child'));

    const cfg = { table, dialect, instance: 'survivor', failOn: new Set<string>() };
    app = await createEsApp(
      {
        dataSource: await db.connect(),
        es: { projections: { batchSize: 50, pollIntervalMs: 20, leaseMs: 1000 } },
      },
      [AppliedProjection, { provide: APPLIED_CONFIG, useValue: cfg }],
    );
    const service = app.get(ProjectionService);
    await waitFor(
      async () => (await service.status()).find((s) => s.name === 'es-applied' && s.lag === 0),
      'the survivor to catch up',
      30_000,
    );
    const rows = await appliedRows(ds, table);
    expect(rows).toHaveLength(200);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(200);
    expect(rows.map((r) => r.position)).toEqual([...rows.map((r) => r.position)].sort((a, b) => a - b));
    expect(rows.filter((r) => r.instance === 'survivor')).toHaveLength(150);
  }, 60_000);
});
