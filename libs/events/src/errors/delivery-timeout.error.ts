import { EventsError } from './events.error.js';

/** No outcome arrived within the time allowed (waitForDelivery, remote commands). */
export class DeliveryTimeoutError extends EventsError {
  constructor(
    readonly eventType: string,
    readonly eventId: string,
    readonly timeoutMs: number,
  ) {
    super(`No delivery outcome for "${eventType}" (id ${eventId}) within ${timeoutMs} ms`);
  }
}
