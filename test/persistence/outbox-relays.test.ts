import type { INestApplicationContext } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { EventPublisher, EventsMetrics } from 'nestjs-amqp-events';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { countRows, createTestDatabase, type TestDatabase } from './support/databases.js';
import { createPersistenceApp } from './support/persistence-app.js';
import { ExchangeTap } from './support/tap.js';

describe('two outbox relays on one PostgreSQL database', () => {
  const exchange = uniqueName('relays');
  const service = uniqueName('svc');
  let db: TestDatabase;
  let writer: DataSource;
  const apps: INestApplicationContext[] = [];
  let tap: ExchangeTap;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    writer = await db.connect();
    for (let i = 0; i < 2; i++) {
      const ds = await db.connect();
      apps.push(
        await createPersistenceApp({
          exchange,
          service,
          dataSource: ds,
          consume: false,
          persistence: { relayBatchSize: 50, relayIntervalMs: 20 },
        }),
      );
    }
    tap = await ExchangeTap.open(exchange);
  });

  afterAll(async () => {
    await tap?.close();
    for (const app of apps) await app.close();
    await deleteTopology(exchange);
    await db?.drop();
  });

  it('publishes every row exactly once, in order per correlationId, with both relays working', async () => {
    const publisher = apps[0].get(EventPublisher);
    const ids: string[] = [];
    const chains: string[][] = Array.from({ length: 5 }, () => []);
    // 800 unordered rows in 80 concurrent transactions, while 5 chains write 40 rows each, one
    // transaction after the other (so their order is defined)
    const unordered = Array.from({ length: 80 }, (_, t) =>
      writer.transaction(async (m) => {
        const receipts = await publisher.publishAll(
          Array.from({ length: 10 }, (_, i) => ({
            type: 'Row.written',
            data: { n: t * 10 + i },
            options: { transaction: m },
          })),
        );
        ids.push(...receipts.map((r) => r.id));
      }),
    );
    const ordered = chains.map(async (chain, c) => {
      for (let step = 0; step < 40; step++) {
        const { id } = await writer.transaction((m) =>
          publisher.publish('Row.step', { c, step }, { transaction: m, correlationId: `chain-${c}` }),
        );
        chain.push(id);
        ids.push(id);
      }
    });
    await Promise.all([...unordered, ...ordered]);
    await waitFor(() => tap.ids.length >= 1000, '1,000 events', 30_000, 50);
    await new Promise((r) => setTimeout(r, 300));
    const counts = tap.counts();
    expect(counts.size).toBe(1000);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(new Set(ids)).toEqual(new Set(counts.keys()));
    const perRelay = apps.map((a) => a.get(EventsMetrics).snapshot().published);
    expect(perRelay[0] + perRelay[1]).toBe(1000);
    expect(Math.min(...perRelay)).toBeGreaterThan(0);
    for (let c = 0; c < 5; c++) {
      const arrived = tap.messages
        .filter((m) => m.properties.correlationId === `chain-${c}`)
        .map((m) => String(m.properties.messageId));
      expect(arrived).toEqual(chains[c]);
    }
    await waitFor(
      async () => (await countRows(writer, db.table('events_outbox'), 'sent_at IS NULL')) === 0,
      'all rows marked sent',
    );
  });
});
