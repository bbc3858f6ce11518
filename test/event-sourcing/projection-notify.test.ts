import type { INestApplicationContext } from '@nestjs/common';
import { EventStore } from 'nestjs-amqp-events/event-sourcing';
import type { DataSource } from 'typeorm';
import { waitFor } from '../support/wait.js';
import {
  APPLIED_CONFIG,
  AppliedProjection,
  appliedRows,
  createAppliedTable,
} from './support/applied.projection.js';
import { createEsApp } from './support/es-app.js';
import { createEventStoreDatabase, type TestDatabase } from './support/es-database.js';

describe('a projector woken by appends of another instance (Postgres LISTEN/NOTIFY)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let table: string;
  const apps: INestApplicationContext[] = [];

  beforeAll(async () => {
    db = await createEventStoreDatabase('postgres');
    ds = await db.connect();
    table = await createAppliedTable(db, ds);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db?.drop();
  });

  it('applies an event appended elsewhere long before its next poll', async () => {
    const cfg = { table, dialect: 'postgres' as const, instance: 'listener', failOn: new Set<string>() };
    const projector = await createEsApp(
      { dataSource: await db.connect(), es: { projections: { pollIntervalMs: 600_000 } } },
      [AppliedProjection, { provide: APPLIED_CONFIG, useValue: cfg }],
    );
    apps.push(projector);
    // another instance (its own DataSource and EventStore, no projections): only NOTIFY reaches the projector
    const writer = await createEsApp({
      dataSource: await db.connect(),
      es: { projections: { enabled: false } },
    });
    apps.push(writer);
    for (let i = 0; i < 3; i++) {
      const r = await writer
        .get(EventStore)
        .append(`remote-${i}`, [{ type: 'Load.remote', data: {} }], { expectedVersion: 'no-stream' });
      await waitFor(
        async () => (await appliedRows(ds, table)).some((x) => x.event_id === r.ids[0]),
        `remote event ${i}`,
        5_000,
      );
    }
  }, 30_000);
});
