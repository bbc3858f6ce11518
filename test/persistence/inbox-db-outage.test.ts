import { Injectable, type INestApplicationContext } from '@nestjs/common';
import type { EventEmitter } from 'node:events';
import { DataSource, type DataSourceOptions, type EntityManager } from 'typeorm';
import {
  DeadLetterService,
  EventPublisher,
  OnEvent,
  eventsPostgresMigrations,
  type EventContext,
} from 'nestjs-amqp-events';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { countRows, PG } from './support/databases.js';
import { createPersistenceApp } from './support/persistence-app.js';

const OUTAGE_MS = 15_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A real outage of the test's own database access: the test's role may not log in (NOLOGIN) and its
 * sessions are terminated (pg_terminate_backend) for 15 s; nobody else's connections are touched.
 */
describe('inbox and outbox through a 15 s PostgreSQL outage', () => {
  const exchange = uniqueName('pg-outage');
  const service = uniqueName('svc');
  const role = uniqueName('evt_role').replace(/-/g, '_');
  const schema = role;
  const effects = `"${schema}"."effects"`;
  let admin: DataSource;
  let ds: DataSource;
  let app: INestApplicationContext;
  const followUps = new Map<string, number>();
  const audited = new Map<string, number>();

  @Injectable()
  class Handlers {
    @OnEvent('Order.placed', { transactional: true, prefetch: 20 })
    async place(_data: unknown, ctx: EventContext) {
      await (ctx.manager as EntityManager).query(`INSERT INTO ${effects} (event_id) VALUES ($1)`, [ctx.id]);
      await ctx.publish('Order.confirmed', { order: ctx.id }); // outbox, same transaction
    }

    @OnEvent('Order.placed', { idempotent: true, prefetch: 20 })
    audit(_data: unknown, ctx: EventContext) {
      audited.set(ctx.id, (audited.get(ctx.id) ?? 0) + 1);
    }

    @OnEvent('Order.confirmed')
    confirmed(data: { order: string }) {
      followUps.set(data.order, (followUps.get(data.order) ?? 0) + 1);
    }
  }

  beforeAll(async () => {
    admin = new DataSource({ type: 'postgres', ...PG } as DataSourceOptions);
    await admin.initialize();
    await admin.query(`CREATE ROLE "${role}" LOGIN`);
    await admin.query(`CREATE SCHEMA "${schema}" AUTHORIZATION "${role}"`);
    ds = new DataSource({
      type: 'postgres',
      ...PG,
      username: role,
      schema,
      poolSize: 20,
      connectTimeoutMS: 2000,
      // the workaround docs/idempotency-and-outbox.md gives users for a TypeORM/pg race (see below)
      extra: { onConnect: (client: EventEmitter) => client.on('error', () => undefined) },
      migrations: eventsPostgresMigrations,
    } as DataSourceOptions);
    await ds.initialize();
    await ds.runMigrations();
    await ds.query(`CREATE TABLE ${effects} (id bigserial PRIMARY KEY, event_id varchar(255) NOT NULL)`);
    app = await createPersistenceApp({ exchange, service, dataSource: ds }, [Handlers]);
  });

  afterAll(async () => {
    await admin.query(`ALTER ROLE "${role}" LOGIN`).catch(() => undefined);
    await app?.close();
    if (ds?.isInitialized) await ds.destroy();
    await deleteTopology(
      exchange,
      ['place', 'audit', 'confirmed'].map((m) => `${service}.Handlers.${m}`),
    );
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.query(`DROP ROLE IF EXISTS "${role}"`);
    await admin.destroy();
  });

  it('loses nothing, parks nothing and doubles nothing', async () => {
    const publisher = app.get(EventPublisher);
    const publish = (n: number) =>
      Promise.all(Array.from({ length: n }, (_, i) => publisher.publish('Order.placed', { i })));
    await publish(100);
    // the outage starts on a settled pool. A connection the server ends in the same socket read as its
    // ReadyForQuery (likely on a loaded machine, right after the pool opened it) has no 'error' listener
    // for one promise step, between pg-pool and TypeORM, and node-postgres then throws the error out of
    // the process: it crashed two CI runs of this test before `extra.onConnect` above closed the gap.
    await waitFor(
      async () => (await countRows(admin, effects)) >= 100 && audited.size >= 100,
      'the first 100 events handled before the outage',
      20_000,
      100,
    );

    await admin.query(`ALTER ROLE "${role}" NOLOGIN`);
    let terminated = 0;
    const outageEnds = Date.now() + OUTAGE_MS;
    let published = 0;
    while (Date.now() < outageEnds) {
      const [{ n }] = (await admin.query(
        `SELECT COUNT(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE usename = $1`,
        [role],
      )) as Array<{ n: string }>;
      terminated += Number(n);
      if (published < 200) {
        await publish(20); // events keep arriving during the outage
        published += 20;
      }
      await sleep(500);
    }
    const doneDuringOutage = await countRows(admin, effects);
    await admin.query(`ALTER ROLE "${role}" LOGIN`);
    await publish(100);

    await waitFor(
      async () => (await countRows(admin, effects)) >= 400 && followUps.size >= 400 && audited.size >= 400,
      '400 effects, follow-ups and audits',
      40_000,
      200,
    );
    expect(terminated).toBeGreaterThan(0);
    expect(doneDuringOutage).toBeLessThan(400);
    expect(await countRows(admin, effects)).toBe(400);
    expect(await countRows(admin, `(SELECT DISTINCT event_id FROM ${effects}) d`)).toBe(400);
    // one inbox row per event and handler; the idempotent (non-transactional) handler's body is
    // at-least-once: a commit lost with the connection may run it again, and the inbox then records it once
    expect(await countRows(admin, `"${schema}"."events_inbox"`)).toBe(800);
    expect(audited.size).toBe(400);
    expect(followUps.size).toBe(400);
    const dls = app.get(DeadLetterService);
    expect(await dls.count(`${service}.Handlers.place`)).toBe(0);
    expect(await dls.count(`${service}.Handlers.confirmed`)).toBe(0);
    expect(await dls.count(`${service}.Handlers.audit`)).toBe(0);
    await waitFor(
      async () => (await countRows(admin, `"${schema}"."events_outbox"`, 'sent_at IS NULL')) === 0,
      'the outbox to drain',
    );
  }, 90_000);
});
