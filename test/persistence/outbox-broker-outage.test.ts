import type { INestApplicationContext } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { EventPublisher } from 'nestjs-amqp-events';
import { connectRaw, uniqueName } from '../support/broker.js';
import { startPrivateBroker, type PrivateBroker } from '../support/private-node.js';
import { waitFor } from '../support/wait.js';
import { countRows, createTestDatabase, type Dialect, type TestDatabase } from './support/databases.js';
import { createPersistenceApp } from './support/persistence-app.js';

const OUTAGE_MS = 10_000;
const ROWS = 500;

interface Side {
  dialect: Dialect;
  exchange: string;
  queue: string;
  db: TestDatabase;
  ds: DataSource;
  app: INestApplicationContext;
}

/** Message ids waiting in a durable queue (it survives the broker's stop/start). */
async function drainIds(uri: string, queue: string, into: Map<string, number>): Promise<void> {
  const conn = await connectRaw(uri);
  try {
    const ch = await conn.createChannel();
    for (let m = await ch.get(queue, { noAck: true }); m; m = await ch.get(queue, { noAck: true })) {
      const id = String(m.properties.messageId);
      into.set(id, (into.get(id) ?? 0) + 1);
    }
    await ch.close();
  } finally {
    await conn.close();
  }
}

/** Runs on a node of its own: stopping the shared broker would fail other test files. */
describe('outbox relay through a 10 s broker outage (Postgres and SQLite at once)', () => {
  const sides: Side[] = [];
  let broker: PrivateBroker;

  beforeAll(async () => {
    broker = await startPrivateBroker('events-outage-');
    for (const dialect of ['postgres', 'sqlite'] as const) {
      const exchange = uniqueName(`outage-${dialect}`);
      const db = await createTestDatabase(dialect);
      const ds = await db.connect();
      const app = await createPersistenceApp({
        uri: broker.uri,
        exchange,
        service: uniqueName('svc'),
        dataSource: ds,
        consume: false,
      });
      const queue = `${exchange}.tap`;
      const conn = await connectRaw(broker.uri);
      const ch = await conn.createChannel();
      await ch.assertQueue(queue, { durable: true });
      await ch.bindQueue(queue, exchange, '#');
      await conn.close();
      sides.push({ dialect, exchange, queue, db, ds, app });
    }
  }, 90_000);

  afterAll(async () => {
    for (const s of sides) {
      await s.app.close();
      await s.db.drop();
    }
    await broker?.dispose();
  }, 60_000);

  it('keeps rows committed while the broker is down pending, then delivers all 500 of each', async () => {
    const written = new Map<Dialect, string[]>(sides.map((s) => [s.dialect, []]));
    const write = (s: Side, count: number) =>
      s.ds.transaction(async (m) => {
        const receipts = await s.app.get(EventPublisher).publishAll(
          Array.from({ length: count }, (_, i) => ({
            type: 'Order.created',
            data: { i },
            options: { transaction: m },
          })),
        );
        written.get(s.dialect)!.push(...receipts.map((r) => r.id));
      });

    await broker.rabbitmqctl('stop_app');
    const stoppedAt = Date.now();
    try {
      for (let batch = 0; batch < ROWS / 50; batch++) {
        for (const s of sides) await write(s, 50);
      }
      for (const s of sides)
        expect(await countRows(s.ds, s.db.table('events_outbox'), 'sent_at IS NULL')).toBe(ROWS);
      await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt))));
    } finally {
      await broker.rabbitmqctl('start_app');
    }
    await broker.rabbitmqctl('await_startup');

    for (const s of sides) {
      await waitFor(
        async () => (await countRows(s.ds, s.db.table('events_outbox'), 'sent_at IS NULL')) === 0,
        `${s.dialect} outbox to drain`,
        45_000,
        200,
      );
      const arrived = new Map<string, number>();
      await drainIds(broker.uri, s.queue, arrived);
      expect(new Set(arrived.keys())).toEqual(new Set(written.get(s.dialect)));
      expect(arrived.size).toBe(ROWS);
    }
  }, 90_000);
});
