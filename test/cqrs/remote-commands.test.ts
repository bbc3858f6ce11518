import { jest } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import {
  Command,
  CommandHandler,
  Query,
  QueryHandler,
  type ICommandHandler,
  type IQueryHandler,
} from '@nestjs/cqrs';
import {
  DeliveryTimeoutError,
  NoRemoteHandlerError,
  RemoteCommand,
  RemoteCommandBus,
  RemoteExecutionError,
  RemoteQuery,
  RemoteQueryBus,
} from 'nestjs-amqp-events/cqrs';
import { deleteTopology, queueDepth, uniqueName } from '../support/broker.js';
import { createCqrsApp, deleteExtra } from './support.js';

jest.setTimeout(40_000);

const exchange = uniqueName('rpc');
const billing = uniqueName('billing');
const orders = uniqueName('orders');

interface Invoice {
  invoiceId: string;
  total: number;
  dueAt: string;
}

@RemoteCommand(billing, 'Billing.createInvoice', { dates: ['dueAt'] })
class CreateInvoice extends Command<Invoice> {
  constructor(
    readonly orderId: string,
    readonly total: number,
    readonly dueAt: Date,
  ) {
    super();
  }
}

@RemoteQuery(billing, 'Billing.getInvoice')
class GetInvoice extends Query<Invoice | null> {
  constructor(readonly invoiceId: string) {
    super();
  }
}

/** Safe to retry: fails twice, then succeeds. */
@RemoteCommand(billing, 'Billing.syncLedger', {
  retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 50 },
})
class SyncLedger extends Command<number> {
  constructor(readonly key: string) {
    super();
  }
}

/** Not marked safe: one attempt, whatever the error. */
@RemoteCommand(billing, 'Billing.chargeCard')
class ChargeCard extends Command<void> {
  constructor(readonly key: string) {
    super();
  }
}

@RemoteCommand('nobody-runs-this', 'Inventory.reserve')
class ReserveStock extends Command<void> {}

const attempts = new Map<string, number>();
const count = (key: string) => attempts.set(key, (attempts.get(key) ?? 0) + 1).get(key)!;

@CommandHandler(CreateInvoice)
class CreateInvoiceHandler implements ICommandHandler<CreateInvoice> {
  handled = 0;
  async execute(cmd: CreateInvoice): Promise<Invoice> {
    if (!(cmd instanceof CreateInvoice) || !(cmd.dueAt instanceof Date)) throw new TypeError('not rebuilt');
    if (cmd.total < 0) throw new RangeError(`negative total for ${cmd.orderId}`);
    if (cmd.orderId.startsWith('slow')) await new Promise((r) => setTimeout(r, 1500));
    else await new Promise((r) => setTimeout(r, 2));
    if (cmd.orderId.startsWith('bulk-')) this.handled++;
    return { invoiceId: `inv-${cmd.orderId}`, total: cmd.total, dueAt: cmd.dueAt.toISOString() };
  }
}

@QueryHandler(GetInvoice)
class GetInvoiceHandler implements IQueryHandler<GetInvoice> {
  execute(q: GetInvoice) {
    return Promise.resolve(
      q.invoiceId === 'inv-1' ? { invoiceId: 'inv-1', total: 10, dueAt: '2026-05-01T00:00:00.000Z' } : null,
    );
  }
}

@CommandHandler(SyncLedger)
class SyncLedgerHandler implements ICommandHandler<SyncLedger> {
  execute(cmd: SyncLedger) {
    const n = count(cmd.key);
    return n < 3 ? Promise.reject(new Error(`ledger busy (${n})`)) : Promise.resolve(n);
  }
}

@CommandHandler(ChargeCard)
class ChargeCardHandler implements ICommandHandler<ChargeCard> {
  execute(cmd: ChargeCard) {
    count(cmd.key);
    return Promise.reject(new Error('card declined'));
  }
}

describe('remote commands and queries over RabbitMQ', () => {
  let owner1: INestApplicationContext;
  let owner2: INestApplicationContext | undefined;
  let caller: INestApplicationContext;
  let commands: RemoteCommandBus;
  const handlers = [CreateInvoiceHandler, GetInvoiceHandler, SyncLedgerHandler, ChargeCardHandler];

  beforeAll(async () => {
    owner1 = await createCqrsApp({ exchange, service: billing }, handlers);
    caller = await createCqrsApp({ exchange, service: orders }, []);
    commands = caller.get(RemoteCommandBus);
  });
  afterAll(async () => {
    await caller?.close();
    await owner1?.close();
    await owner2?.close();
    const queues = [
      'Billing.createInvoice',
      'Billing.getInvoice',
      'Billing.syncLedger',
      'Billing.chargeCard',
    ].map((t) => `${billing}.rpc.${t}`);
    await deleteTopology(exchange, queues);
    await deleteExtra([], [`${exchange}.commands`]);
  });

  it("returns the owner's result, the command rebuilt with its dates on the owner side", async () => {
    const invoice = await commands.execute(
      new CreateInvoice('o-1', 99, new Date('2026-06-01T00:00:00.000Z')),
    );
    expect(invoice).toEqual({ invoiceId: 'inv-o-1', total: 99, dueAt: '2026-06-01T00:00:00.000Z' });
  });

  it('answers a remote query', async () => {
    const queries = caller.get(RemoteQueryBus);
    expect(await queries.execute(new GetInvoice('inv-1'))).toMatchObject({ invoiceId: 'inv-1', total: 10 });
    expect(await queries.execute(new GetInvoice('inv-404'))).toBeNull();
  });

  it("rejects with the remote error's name and message", async () => {
    const err = await commands.execute(new CreateInvoice('o-2', -1, new Date())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteExecutionError);
    expect(err).toMatchObject({
      requestType: 'Billing.createInvoice',
      remoteName: 'RangeError',
      remoteMessage: 'negative total for o-2',
    });
    expect(await queueDepth(`${billing}.rpc.Billing.createInvoice.dlq`)).toBe(0); // an answered error is not parked
  });

  it('times out with DeliveryTimeoutError when the owner is too slow', async () => {
    const err = await commands
      .execute(new CreateInvoice('slow-1', 1, new Date()), { timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryTimeoutError);
    expect(err).toMatchObject({ timeoutMs: 300 });
  });

  it('fails fast with NoRemoteHandlerError when no service owns the command', async () => {
    const started = Date.now();
    const err = await commands.execute(new ReserveStock(), { timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoRemoteHandlerError);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('retries a command marked safe to retry, and never one that is not', async () => {
    expect(await commands.execute(new SyncLedger('k-1'), { timeoutMs: 10_000 })).toBe(3);
    const err = await commands.execute(new ChargeCard('k-2')).catch((e: unknown) => e);
    expect(err).toMatchObject({ remoteMessage: 'card declined' });
    expect(attempts.get('k-2')).toBe(1);
  });

  it('shares 200 commands between two instances of the owner', async () => {
    owner2 = await createCqrsApp({ exchange, service: billing }, handlers);
    const h1 = owner1.get(CreateInvoiceHandler);
    const h2 = owner2.get(CreateInvoiceHandler);
    const [before1, before2] = [h1.handled, h2.handled];
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        commands.execute(new CreateInvoice(`bulk-${i}`, i, new Date(0)), { timeoutMs: 20_000 }),
      ),
    );
    expect(results.map((r) => r.invoiceId)).toEqual(Array.from({ length: 200 }, (_, i) => `inv-bulk-${i}`));
    expect(h1.handled - before1 + (h2.handled - before2)).toBe(200);
    expect(h1.handled - before1).toBeGreaterThan(0);
    expect(h2.handled - before2).toBeGreaterThan(0);
  });
});
