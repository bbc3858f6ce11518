import { EventsError } from './events.error.js';

/**
 * The broker refused this service's user an operation on an object (403 ACCESS_REFUSED): declaring
 * or binding outside its configure/write/read permissions. Raised at startup (or on a reconnect) by
 * the topology declaration, naming the object; the fix is a permission, not a retry (see
 * docs/security.md).
 */
export class AccessRefusedError extends EventsError {
  constructor(
    /** The exchange, queue or binding the declaration was for. */
    readonly objectName: string,
    /** The broker's reply text. */
    readonly brokerMessage: string,
  ) {
    super(
      `RabbitMQ refused this user access while declaring "${objectName}" (403 ACCESS_REFUSED): grant the user configure/write/read permissions covering it, or fix the exchange/service names (see docs/security.md) (broker: ${brokerMessage})`,
    );
  }
}
