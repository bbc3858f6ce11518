import { Injectable } from '@nestjs/common';
import { EventPublisher, OnEvent, type EventContext } from 'nestjs-amqp-events';
import type { EventUpcaster } from 'nestjs-amqp-events/event-sourcing';
import type { INestApplicationContext } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { createEsApp } from './support/es-app.js';
import { createEventStoreDatabase, type TestDatabase } from './support/es-database.js';

// v1 carried `cents`, v2 `amount` in euros, v3 (current) adds the currency
const upcasters: EventUpcaster[] = [
  {
    eventType: 'Wallet.credited',
    fromVersion: 1,
    toVersion: 2,
    upcast: (d) => ({ amount: (d as { cents: number }).cents / 100 }),
  },
  {
    eventType: 'Wallet.credited',
    fromVersion: 2,
    toVersion: 3,
    upcast: (d) => ({ ...(d as object), currency: 'EUR' }),
  },
];

const seen: Array<{ data: unknown; version: unknown }> = [];

@Injectable()
class WalletHandlers {
  @OnEvent('Wallet.credited')
  credited(data: unknown, ctx: EventContext) {
    seen.push({ data, version: ctx.headers['x-schema-version'] });
  }
}

describe('upcasting events that arrive from the bus (memory transport, SQLite)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let app: INestApplicationContext;

  beforeAll(async () => {
    db = await createEventStoreDatabase('sqlite');
    ds = await db.connect();
    app = await createEsApp(
      {
        dataSource: ds,
        bus: { exchange: uniqueName('up'), service: uniqueName('wallet'), transport: 'memory' },
        es: { upcasters },
      },
      [WalletHandlers],
    );
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('turns v1 and v2 events into v3 before the handler, and publishes the current version', async () => {
    const pub = app.get(EventPublisher);
    await pub.publish('Wallet.credited', { cents: 250 }, { schemaVersion: 1 });
    await pub.publish('Wallet.credited', { amount: 4 }, { schemaVersion: 2 });
    await pub.publish('Wallet.credited', { amount: 7, currency: 'USD' }); // the current version by default
    await waitFor(() => seen.length === 3, 'three deliveries');
    expect(seen.map((s) => s.data)).toEqual([
      { amount: 2.5, currency: 'EUR' },
      { amount: 4, currency: 'EUR' },
      { amount: 7, currency: 'USD' },
    ]);
  });
});
