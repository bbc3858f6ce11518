import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import {
  AggregateRoot,
  EventPublisher as CqrsEventPublisher,
  EventsHandler,
  type IEventHandler,
} from '@nestjs/cqrs';
import type { DataSource } from 'typeorm';
import { IntegrationEvent, runWithPublishOptions } from 'nestjs-amqp-events/cqrs';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { countRows, createTestDatabase, type TestDatabase } from '../persistence/support/databases.js';
import { createCqrsApp } from './support.js';

jest.setTimeout(40_000);

@IntegrationEvent('Account.opened')
class AccountOpened {
  constructor(readonly accountId: string) {}
}

class Account extends AggregateRoot {
  constructor(readonly id: string) {
    super();
  }
  open() {
    this.apply(new AccountOpened(this.id));
  }
}

describe('integration events in a database transaction (outbox, SQLite)', () => {
  const exchange = uniqueName('cqrs-outbox');
  const accounts = uniqueName('accounts');
  const mailer = uniqueName('mailer');
  let db: TestDatabase;
  let ds: DataSource;
  let appA: INestApplicationContext;
  let appB: INestApplicationContext;
  const welcomed: string[] = [];

  @Injectable()
  class AccountService {
    constructor(private readonly publisher: CqrsEventPublisher) {}
    /** Saves the account and its events in one transaction; `fail` rolls both back. */
    async open(id: string, fail = false) {
      await ds.transaction(async (manager) => {
        await manager.query('INSERT INTO accounts (id) VALUES (?)', [id]);
        const account = this.publisher.mergeObjectContext(new Account(id));
        account.open();
        await runWithPublishOptions({ transaction: manager }, () => account.commit());
        if (fail) throw new Error('rolled back after commit()');
      });
    }
  }

  @EventsHandler(AccountOpened)
  class Welcome implements IEventHandler<AccountOpened> {
    handle(e: AccountOpened) {
      welcomed.push(e.accountId);
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    ds = await db.connect();
    await ds.query('CREATE TABLE accounts (id varchar(64) PRIMARY KEY)');
    appA = await createCqrsApp(
      { exchange, service: accounts, persistence: { dataSource: ds, relayIntervalMs: 50 } },
      [AccountService],
    );
    appB = await createCqrsApp({ exchange, service: mailer }, [Welcome]);
  });
  afterAll(async () => {
    await appA?.close();
    await appB?.close();
    await deleteTopology(exchange, [`${mailer}.Welcome`]);
    await db?.drop();
  });

  it('writes the events to the outbox in the transaction: sent if it commits, never if it rolls back', async () => {
    await appA.get(AccountService).open('acc-1');
    await expect(appA.get(AccountService).open('acc-2', true)).rejects.toThrow('rolled back after commit()');
    await appA.get(AccountService).open('acc-3'); // a barrier: the relay sends in order
    await waitFor(() => welcomed.includes('acc-3'), 'the committed events relayed to the other service');
    expect(welcomed.sort()).toEqual(['acc-1', 'acc-3']);
    expect(await countRows(ds, db.table('accounts'))).toBe(2);
  });
});
