import type { INestApplicationContext } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { EventPublisher, EventValidationError } from 'nestjs-amqp-events';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { countRows, createTestDatabase, type Dialect, type TestDatabase } from './support/databases.js';
import { createPersistenceApp } from './support/persistence-app.js';
import { ExchangeTap } from './support/tap.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each<Dialect>(['postgres', 'sqlite'])('transactional outbox (%s)', (dialect) => {
  const exchange = uniqueName('outbox');
  const service = uniqueName('svc');
  let db: TestDatabase;
  let ds: DataSource;
  let app: INestApplicationContext;
  let publisher: EventPublisher;
  let tap: ExchangeTap;
  const outbox = () => db.table('events_outbox');

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    ds = await db.connect();
    app = await createPersistenceApp({ exchange, service, dataSource: ds, consume: false });
    publisher = app.get(EventPublisher);
    tap = await ExchangeTap.open(exchange);
  });

  afterAll(async () => {
    await tap?.close();
    await app?.close();
    await deleteTopology(exchange);
    await db?.drop();
  });

  it('publishes nothing for a rolled-back transaction and exactly the rows of a committed one', async () => {
    const rolledBack: string[] = [];
    await expect(
      ds.transaction(async (m) => {
        rolledBack.push((await publisher.publish('Order.created', { n: 0 }, { transaction: m })).id);
        const more = await publisher.publishAll(
          [1, 2].map((n) => ({ type: 'Order.created', data: { n }, options: { transaction: m } })),
        );
        rolledBack.push(...more.map((r) => r.id));
        throw new Error('the business write failed');
      }),
    ).rejects.toThrow('the business write failed');

    const committed = await ds.transaction(async (m) => {
      const one = await publisher.publish(
        'Order.created',
        { n: 10 },
        { transaction: m, correlationId: 'c-1' },
      );
      const rest = await publisher.publishAll(
        [11, 12, 13].map((n) => ({ type: 'Order.shipped', data: { n }, options: { transaction: m } })),
      );
      return [one, ...rest];
    });
    expect(committed.every((r) => r.outbox && !r.confirmed)).toBe(true);

    await waitFor(() => tap.ids.length >= 4, 'the committed events');
    await sleep(300); // several relay polls later: still nothing from the rolled-back transaction
    expect(tap.ids.sort()).toEqual(committed.map((r) => r.id).sort());
    expect(rolledBack.some((id) => tap.ids.includes(id))).toBe(false);
    const first = tap.messages.find((m) => m.properties.messageId === committed[0].id)!;
    expect(JSON.parse(first.content.toString())).toEqual({ n: 10 });
    expect(first.properties).toMatchObject({ type: 'Order.created', correlationId: 'c-1', appId: service });
    await waitFor(
      async () => (await countRows(ds, outbox(), 'sent_at IS NOT NULL')) === 4,
      'rows marked sent',
    );
    expect(await countRows(ds, outbox())).toBe(4);
  });

  it('republishes a row that was not marked sent (a relay died after the confirm) with the same id and envelope', async () => {
    const { id } = await ds.transaction((m) =>
      publisher.publish('Order.paid', { total: 5 }, { transaction: m, correlationId: 'c-9', priority: 8 }),
    );
    await waitFor(
      async () => (await countRows(ds, outbox(), `event_id = '${id}' AND sent_at IS NOT NULL`)) === 1,
      'the first send',
    );
    await ds.query(`UPDATE ${outbox()} SET sent_at = NULL WHERE event_id = '${id}'`); // as if the relay died before marking it
    await waitFor(() => tap.ids.filter((x) => x === id).length === 2, 'the second copy');
    const [first, second] = tap.messages.filter((m) => m.properties.messageId === id);
    expect(second.content.equals(first.content)).toBe(true);
    expect(second.properties).toEqual(first.properties);
  });

  it('keeps the order of events per correlationId', async () => {
    tap.messages.length = 0;
    const chains = ['a', 'b', 'c'];
    for (let i = 0; i < 40; i++) {
      await ds.transaction(async (m) => {
        await publisher.publishAll(
          chains.map((c) => ({
            type: 'Seq.step',
            data: { c, i },
            options: { transaction: m, correlationId: `seq-${c}` },
          })),
        );
      });
    }
    await waitFor(() => tap.ids.length >= 120, '120 events');
    for (const c of chains) {
      const seen = tap.messages
        .filter((m) => m.properties.correlationId === `seq-${c}`)
        .map((m) => JSON.parse(m.content.toString()).i);
      expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i));
    }
  });

  it('delays a delayed event from the time it was written', async () => {
    tap.messages.length = 0;
    const written = Date.now();
    const { id } = await ds.transaction((m) =>
      publisher.publish('Reminder.due', {}, { transaction: m, delay: 1500 }),
    );
    await waitFor(() => tap.ids.includes(id), 'the delayed event', 10_000);
    expect(Date.now() - written).toBeGreaterThanOrEqual(1500);
  });

  it('refuses a transaction option that is not an open transaction of the configured DataSource', async () => {
    await expect(publisher.publish('Order.created', {}, { transaction: ds.manager })).rejects.toThrow(
      EventValidationError,
    );
    await expect(publisher.publish('Order.created', {}, { transaction: {} })).rejects.toThrow(
      /open transaction/,
    );
    const other = await db.connect(
      dialect === 'postgres' ? { schema: 'public' } : { database: `${db.where}.other` },
    );
    await expect(
      other.transaction((m) => publisher.publish('Order.created', {}, { transaction: m })),
    ).rejects.toThrow(/another database/);
  });
});

describe('transactional outbox on PostgreSQL: rows that commit late', () => {
  const exchange = uniqueName('outbox-late');
  const service = uniqueName('svc');
  let db: TestDatabase;
  let ds: DataSource;
  let app: INestApplicationContext;
  let tap: ExchangeTap;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    ds = await db.connect();
    app = await createPersistenceApp({ exchange, service, dataSource: ds, consume: false });
    tap = await ExchangeTap.open(exchange);
  });

  afterAll(async () => {
    await tap?.close();
    await app?.close();
    await deleteTopology(exchange);
    await db?.drop();
  });

  it('sends a row with a lower id that commits after later rows were sent', async () => {
    const publisher = app.get(EventPublisher);
    const slow = ds.createQueryRunner();
    await slow.startTransaction();
    const late = await publisher.publish('Order.late', {}, { transaction: slow.manager }); // lower id, not committed
    const early = await ds.transaction((m) => publisher.publish('Order.early', {}, { transaction: m }));
    await waitFor(() => tap.ids.includes(early.id), 'the early row');
    await sleep(200);
    expect(tap.ids).not.toContain(late.id);
    await slow.commitTransaction();
    await slow.release();
    await waitFor(() => tap.ids.includes(late.id), 'the row that committed late');
    const [lateRow] = (await ds.query(`SELECT id FROM ${db.table('events_outbox')} WHERE event_id = $1`, [
      late.id,
    ])) as Array<{ id: string }>;
    const [earlyRow] = (await ds.query(`SELECT id FROM ${db.table('events_outbox')} WHERE event_id = $1`, [
      early.id,
    ])) as Array<{ id: string }>;
    expect(BigInt(lateRow.id)).toBeLessThan(BigInt(earlyRow.id));
  });
});
