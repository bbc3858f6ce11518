import { Injectable, Logger, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { DataSource, EntityManager } from 'typeorm';
import { EventsModule, OnEvent, eventsSqliteMigrations } from 'nestjs-amqp-events';
import {
  EventSourcingModule,
  EventStore,
  Projection,
  eventStoreSqliteMigrations,
  type ProjectionContext,
} from 'nestjs-amqp-events/event-sourcing';
import {
  SagaOrchestrator,
  SagasModule,
  sagasSqliteMigrations,
  type SagaDefinition,
} from 'nestjs-amqp-events/sagas';
import { AMQP_URL, deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { countRows, createTestDatabase, type TestDatabase } from '../persistence/support/databases.js';

/**
 * Sagas whose steps append to the event store, a projection and the outbox relay, all on one SQLite
 * DataSource: TypeORM runs them on its one better-sqlite3 connection, so saga transitions and event store
 * transactions must never interleave there (they share the event store's lock). Before they did, a
 * rollback of one undid the other's writes and appends failed with "cannot start a transaction within a
 * transaction" or lost their outbox rows (an event stored but never published).
 */
describe('sagas and the event store on one SQLite DataSource', () => {
  const exchange = uniqueName('sagas-es');
  const service = uniqueName('svc');
  const SAGAS = 30;
  const STEPS = 3;
  let db: TestDatabase;
  let ds: DataSource;
  let app: INestApplicationContext;
  const delivered = new Set<string>();

  @Injectable()
  class LedgerListener {
    @OnEvent('Ledger.*')
    seen(_data: unknown, ctx: { id: string }): void {
      delivered.add(ctx.id);
    }
  }

  @Projection('ledger-rows')
  class LedgerProjection {
    @OnEvent('Ledger.*')
    async row(_data: unknown, ctx: ProjectionContext): Promise<void> {
      await ctx.manager.query('INSERT INTO ledger_rows (event_id) VALUES (?)', [ctx.id]);
    }

    async reset(manager: EntityManager): Promise<void> {
      await manager.query('DELETE FROM ledger_rows');
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase('sqlite', {
      migrations: [...eventsSqliteMigrations, ...eventStoreSqliteMigrations, ...sagasSqliteMigrations],
    });
    ds = await db.connect();
    await ds.query(
      'CREATE TABLE ledger_rows (id integer PRIMARY KEY AUTOINCREMENT, event_id varchar(255) NOT NULL)',
    );
    const ref: { store?: EventStore } = {}; // the app's store, once it is created
    const append = (step: string) => async (_d: unknown, ctx: { sagaId: string; executionId: string }) => {
      await ref.store!.append(
        `Ledger-${ctx.sagaId}`,
        [{ type: `Ledger.${step}`, data: { at: ctx.executionId } }],
        {
          expectedVersion: 'any',
        },
      );
    };
    const definition: SagaDefinition = {
      name: 'ledger',
      steps: Array.from({ length: STEPS }, (_, i) => ({ name: `s${i}`, execute: append(`s${i}`) })),
    };
    @Module({
      imports: [
        EventsModule.forRoot({
          uri: AMQP_URL,
          exchange,
          service,
          reconnectDelayMs: 200,
          persistence: { dataSource: ds, relayIntervalMs: 20 },
        }),
        EventSourcingModule.forRoot({ projections: { pollIntervalMs: 50, batchSize: 5 } }),
        SagasModule.forRoot({ sagas: [definition], retry: { maxAttempts: 1 } }),
      ],
      providers: [LedgerListener, LedgerProjection],
    })
    class LedgerModule {}
    app = await NestFactory.createApplicationContext(LedgerModule, {
      logger: process.env.TEST_LOGS ? new Logger() : false,
      abortOnError: false,
    });
    await app.init();
    ref.store = app.get(EventStore);
  });

  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, [`${service}.sagas`, `${service}.LedgerListener.seen`]);
    await db?.drop();
  });

  it('completes every saga; every appended event is stored once, published once and projected once', async () => {
    const sagas = app.get(SagaOrchestrator);
    const ids = await Promise.all(
      Array.from({ length: SAGAS }, () => sagas.start('ledger', {}).then((s) => s.id)),
    );
    await waitFor(
      async () => {
        const done = await sagas.list({
          name: 'ledger',
          status: ['completed', 'compensated', 'failed'],
          limit: 1000,
        });
        return done.length === SAGAS ? done : undefined;
      },
      'every saga to finish',
      30_000,
    );
    const all = await sagas.list({ name: 'ledger', limit: 1000 });
    expect(all.map((s) => s.status).filter((s) => s !== 'completed')).toEqual([]);
    expect(new Set(all.map((s) => s.id))).toEqual(new Set(ids));

    const stored = await countRows(ds, '"events_store"');
    expect(stored).toBe(SAGAS * STEPS);
    // every stored event reaches the bus (the outbox row committed with it), once each
    await waitFor(
      () => (delivered.size >= SAGAS * STEPS ? true : undefined),
      'every event delivered',
      20_000,
    );
    expect(delivered.size).toBe(SAGAS * STEPS);
    // and the projection applied each once
    await waitFor(
      async () => ((await countRows(ds, 'ledger_rows')) >= SAGAS * STEPS ? true : undefined),
      'the projection to catch up',
      20_000,
    );
    expect(await countRows(ds, 'ledger_rows')).toBe(SAGAS * STEPS);
    expect(await countRows(ds, 'ledger_rows', 'event_id IN (SELECT event_id FROM events_store)')).toBe(
      SAGAS * STEPS,
    );
  }, 60_000);
});
