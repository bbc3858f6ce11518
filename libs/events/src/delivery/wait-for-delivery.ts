import { HEADERS } from '../constants.js';
import { DeliveryFailedError } from '../errors/delivery-failed.error.js';
import { EventValidationError } from '../errors/event-validation.error.js';
import type { PublishOptions } from '../interfaces/publish-options.interface.js';
import type { PreparedEvent } from '../persistence-seam.js';
import type { DeliveryWaiter } from './delivery-waiter.js';

/** `waitForDelivery: true` waits this long. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 30_000;
const MAX_DELIVERY_TIMEOUT_MS = 2 ** 31 - 1;

/** The timeout asked for by `options.waitForDelivery`, or undefined for fire-and-forget. Throws on bad input. */
export function deliveryTimeout(type: string, options: PublishOptions): number | undefined {
  const w = options.waitForDelivery;
  if (w === undefined || w === false) return undefined;
  if (options.transaction !== undefined) {
    throw new EventValidationError(
      'waitForDelivery',
      'cannot be combined with `transaction` (the event is sent only after the transaction commits)',
      type,
    );
  }
  if (w === true) return DEFAULT_DELIVERY_TIMEOUT_MS;
  const t = w !== null && typeof w === 'object' ? w.timeoutMs : undefined;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_DELIVERY_TIMEOUT_MS) {
    throw new EventValidationError(
      'waitForDelivery',
      `must be true, false or { timeoutMs: integer from 1 to ${MAX_DELIVERY_TIMEOUT_MS} }, got ${JSON.stringify(w)}`,
      type,
    );
  }
  return t;
}

/**
 * Publishes `prepared` with this instance's reply address and resolves once a handler processed it;
 * rejects with DeliveryFailedError once it was dead-lettered, DeliveryTimeoutError after `timeoutMs`,
 * or the publish error. The first outcome from any handler settles it.
 */
export async function publishAndWait(
  waiter: DeliveryWaiter,
  prepared: PreparedEvent,
  timeoutMs: number,
  send: (p: PreparedEvent) => Promise<void>,
): Promise<void> {
  const { envelope } = prepared;
  envelope.headers = { ...envelope.headers, [HEADERS.replyTo]: await waiter.address() };
  const expected = waiter.expect(envelope.id, envelope.type, timeoutMs);
  try {
    await send(prepared);
  } catch (e) {
    expected.cancel();
    throw e;
  }
  const outcome = await expected.promise;
  if (!outcome.ok) {
    throw new DeliveryFailedError(
      envelope.type,
      envelope.id,
      outcome.handler,
      outcome.error?.name ?? 'Error',
      outcome.error?.message ?? '',
      outcome.reason ?? 'unknown',
    );
  }
}
