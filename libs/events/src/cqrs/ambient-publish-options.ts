import { AsyncLocalStorage } from 'node:async_hooks';
import type { PublishOptions } from '../interfaces/publish-options.interface.js';

/** What integration events published on the CQRS EventBus can take from their surroundings. */
export type IntegrationPublishOptions = Pick<
  PublishOptions,
  'transaction' | 'correlationId' | 'causationId' | 'headers' | 'priority' | 'traceparent'
>;

interface Scope {
  options: IntegrationPublishOptions;
  /** Sends started inside the scope: awaited before the scope resolves. */
  pending: Array<Promise<unknown>>;
}

const store = new AsyncLocalStorage<Scope>();

/**
 * Runs `fn` so that integration events published on the CQRS `EventBus` inside it (including by
 * `AggregateRoot.commit()`, which returns nothing) are sent with `options`, and resolves only once
 * they were sent: `{ transaction: manager }` writes them to the outbox in that transaction (so await it
 * before the transaction ends); otherwise the broker confirmed them. A failed send rejects.
 * Handlers reached through the bridge run inside such a scope with the received event's correlation
 * and causation, so follow-up events keep the chain and are confirmed before the delivery is acked.
 */
export async function runWithPublishOptions<T>(
  options: IntegrationPublishOptions,
  fn: () => T | Promise<T>,
): Promise<T> {
  const scope: Scope = { options: { ...store.getStore()?.options, ...options }, pending: [] };
  const result = await store.run(scope, fn);
  // sends may start sends (a handler publishing while another is awaited): settle until none is left
  for (let done = 0; done < scope.pending.length;) {
    const batch = scope.pending.slice(done);
    done = scope.pending.length;
    await Promise.all(batch);
  }
  return result;
}

export function ambientPublishOptions(): IntegrationPublishOptions | undefined {
  return store.getStore()?.options;
}

/** Registers a send with the enclosing runWithPublishOptions scope, if any. */
export function trackAmbientSend(sent: Promise<unknown>): void {
  store.getStore()?.pending.push(sent);
}
