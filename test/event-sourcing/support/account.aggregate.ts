import { IntegrationEvent } from 'nestjs-amqp-events/cqrs';
import { EventSourcedAggregate } from 'nestjs-amqp-events/event-sourcing';

@IntegrationEvent('EsAccount.opened', { dates: ['openedAt'] })
export class AccountOpened {
  constructor(
    readonly owner: string,
    readonly openedAt: Date,
  ) {}
}

@IntegrationEvent('EsAccount.deposited')
export class MoneyDeposited {
  constructor(readonly amount: number) {}
}

/** An event-sourced test aggregate: balance and deposit count, snapshotted every 100 events. */
export class Account extends EventSourcedAggregate {
  static snapshot = { every: 100, version: 1 };
  owner = '';
  balance = 0;
  deposits = 0;
  openedAt?: string;

  open(owner: string): void {
    this.apply(new AccountOpened(owner, new Date('2026-01-02T03:04:05.000Z')));
  }

  deposit(amount: number): void {
    if (amount <= 0) throw new Error('amount must be positive');
    this.apply(new MoneyDeposited(amount));
  }

  onAccountOpened(e: AccountOpened): void {
    this.owner = e.owner;
    this.openedAt =
      e.openedAt instanceof Date ? e.openedAt.toISOString() : `not a date: ${String(e.openedAt)}`;
  }

  onMoneyDeposited(e: MoneyDeposited): void {
    this.balance += e.amount;
    this.deposits += 1;
  }
}
