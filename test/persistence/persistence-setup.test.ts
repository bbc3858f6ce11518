import { Injectable, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import {
  EventPublisher,
  EventsMetrics,
  EventsModule,
  EventsInboxEntity,
  InvalidOptionsError,
  OnEvent,
  PersistenceSetupError,
  eventsEntities,
  type EventContext,
  type EventsModuleOptions,
} from 'nestjs-amqp-events';
import { AMQP_URL, deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import {
  countRows,
  createTestDatabase,
  postgresOptions,
  type Dialect,
  type TestDatabase,
} from './support/databases.js';
import { createPersistenceApp } from './support/persistence-app.js';

/** Boots EventsModule.forRoot(options) and returns the startup error (or closes the app and returns undefined). */
async function startupError(options: Partial<EventsModuleOptions>): Promise<unknown> {
  @Module({
    imports: [
      EventsModule.forRoot({
        uri: AMQP_URL,
        service: uniqueName('svc'),
        exchange: uniqueName('setup'),
        ...options,
      }),
    ],
  })
  class SetupModule {}
  try {
    const app = await NestFactory.createApplicationContext(SetupModule, {
      logger: false,
      abortOnError: false,
    });
    await app.close();
    return undefined;
  } catch (e) {
    return e;
  }
}

describe.each<Dialect>(['postgres', 'sqlite'])('migrations and entities (%s)', (dialect) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
  });
  afterAll(() => db?.drop());

  it('creates the tables through migrations, and the exported entities match them exactly', async () => {
    const ds = await db.connect({ entities: eventsEntities });
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    expect(await ds.getRepository(EventsInboxEntity).count()).toBe(0);
    expect(await ds.showMigrations()).toBe(false);
  });

  it('fails at startup naming the migrations when the tables are missing', async () => {
    const ds = await db.connect();
    await ds.undoLastMigration();
    try {
      const error = await startupError({ persistence: { dataSource: ds } });
      expect(error).toBeInstanceOf(PersistenceSetupError);
      expect((error as Error).message).toMatch(
        dialect === 'postgres' ? /eventsPostgresMigrations/ : /eventsSqliteMigrations/,
      );
    } finally {
      await ds.runMigrations();
    }
  });
});

describe('persistence options', () => {
  it.each([
    ['persistence.relayBatchSize', { relayBatchSize: 0 }],
    ['persistence.inboxRetention', { inboxRetention: 1000 }],
  ])('fail at startup naming %s', async (option, extra) => {
    const ds = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    const error = await startupError({
      persistence: { dataSource: ds, ...extra } as EventsModuleOptions['persistence'],
    });
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).option).toBe(option);
  });

  it.each([
    [
      'an unsupported database type',
      { options: { type: 'mysql' }, createQueryRunner: () => undefined },
      /not supported/,
    ],
    [
      'an in-memory SQLite database',
      new DataSource({ type: 'better-sqlite3', database: ':memory:' }),
      /database file/,
    ],
    ['something that is not a DataSource', { url: 'postgres://x' }, /TypeORM DataSource/],
  ])('refuse %s as persistence.dataSource', async (_name, dataSource, message) => {
    const error = await startupError({ persistence: { dataSource } });
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).option).toBe('persistence.dataSource');
    expect((error as Error).message).toMatch(message);
  });
});

describe('wiring with @nestjs/typeorm (forRootAsync, DataSource injected by token)', () => {
  const exchange = uniqueName('typeorm-async');
  const service = uniqueName('svc');
  let db: TestDatabase;
  const runs: string[] = [];

  @Injectable()
  class Handlers {
    @OnEvent('Order.placed', { idempotent: true })
    placed(_data: unknown, ctx: EventContext) {
      runs.push(ctx.id);
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await deleteTopology(exchange, [`${service}.Handlers.placed`]);
    await db?.drop();
  });

  it('uses the DataSource of TypeOrmModule for the inbox and the outbox', async () => {
    @Module({
      imports: [
        TypeOrmModule.forRoot({
          ...postgresOptions(db.where),
          entities: eventsEntities,
        } as DataSourceOptions),
        EventsModule.forRootAsync({
          inject: [getDataSourceToken()],
          useFactory: (dataSource: DataSource) => ({
            uri: AMQP_URL,
            service,
            exchange,
            persistence: { dataSource, relayIntervalMs: 50 },
          }),
        }),
      ],
      providers: [Handlers],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, {
      logger: process.env.TEST_LOGS ? new Logger() : false,
      abortOnError: false,
    });
    try {
      const ds = app.get(DataSource);
      const id = 'typeorm-async-1';
      await ds.transaction((m) =>
        app.get(EventPublisher).publish('Order.placed', {}, { id, transaction: m }),
      );
      await app.get(EventPublisher).publish('Order.placed', {}, { id });
      await waitFor(() => app.get(EventsMetrics).snapshot().handled === 2, 'both copies');
      expect(runs).toEqual([id]);
      expect(await countRows(ds, db.table('events_outbox'), 'sent_at IS NOT NULL')).toBe(1);
    } finally {
      await app.close();
    }
  });
});

describe.each<Dialect>(['postgres', 'sqlite'])('retention (%s)', (dialect) => {
  let db: TestDatabase;
  afterAll(() => db?.drop());

  it('prunes old inbox rows and old sent outbox rows in small batches, never pending ones', async () => {
    db = await createTestDatabase(dialect);
    const ds = await db.connect();
    const now = Date.now();
    const old = now - 3_600_000;
    const p = (i: number) => (dialect === 'postgres' ? `$${i}` : '?');
    const inbox = db.table('events_inbox');
    const outbox = db.table('events_outbox');
    for (let i = 0; i < 1060; i++) {
      await ds.query(
        `INSERT INTO ${inbox} (event_id, consumer, processed_at) VALUES (${p(1)}, 'c', ${p(2)})`,
        [`e-${i}`, i < 1050 ? old : now],
      );
    }
    for (let i = 1; i <= 1060; i++) {
      const sentAt = i <= 1050 ? old : i <= 1055 ? null : now; // 1,050 old sent, 5 pending, 5 recently sent
      await ds.query(
        `INSERT INTO ${outbox} (id, event_id, event_type, correlation_id, envelope, payload, delay_ms, created_at, sent_at) VALUES (${p(1)}, ${p(2)}, 'T', NULL, '{}', '{}', 0, ${p(3)}, ${p(4)})`,
        [i, `o-${i}`, old, sentAt],
      );
    }
    const app = await createPersistenceApp({
      exchange: uniqueName('retention'),
      service: uniqueName('svc'),
      dataSource: ds,
      consume: false,
      persistence: {
        relay: false,
        pruneIntervalMs: 100,
        pruneBatchSize: 100,
        inboxRetentionMs: 60_000,
        outboxRetentionMs: 60_000,
      },
    });
    try {
      await waitFor(
        async () => (await countRows(ds, inbox)) === 10 && (await countRows(ds, outbox)) === 10,
        'old rows pruned',
        20_000,
        100,
      );
      expect(await countRows(ds, outbox, 'sent_at IS NULL')).toBe(5);
      expect(await countRows(ds, inbox, `processed_at < ${now}`)).toBe(0);
    } finally {
      await app.close();
    }
  }, 30_000);
});
