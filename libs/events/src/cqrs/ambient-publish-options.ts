import { AsyncLocalStorage } from 'node:async_hooks';
import type { PublishOptions } from '../interfaces/publish-options.interface.js';

/** What integration events published on the CQRS EventBus can take from their surroundings. */
export type IntegrationPublishOptions = Pick<PublishOptions, 'transaction' | 'correlationId' | 'causationId' | 'headers' | 'priority' | 'traceparent'>;

const store = new AsyncLocalStorage<IntegrationPublishOptions>();

/**
 * Runs `fn` so that integration events published on the CQRS `EventBus` inside it (including by
 * `AggregateRoot.commit()`) are sent with `options`: e.g. `{ transaction: manager }` writes them to
 * the outbox in that transaction. Handlers reached through the bridge run inside such a scope with
 * the received event's correlation and causation, so follow-up events keep the chain.
 */
export function runWithPublishOptions<T>(options: IntegrationPublishOptions, fn: () => T): T {
  return store.run({ ...store.getStore(), ...options }, fn);
}

export function ambientPublishOptions(): IntegrationPublishOptions | undefined {
  return store.getStore();
}
