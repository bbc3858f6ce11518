import { EventsError } from './events.error.js';

/**
 * `publish(..., { waitForDelivery })` was settled by a handler that gave up on the event: it was
 * dead-lettered. Carries the remote error's name and message (the stack stays in the DLQ headers).
 */
export class DeliveryFailedError extends EventsError {
  constructor(
    readonly eventType: string,
    readonly eventId: string,
    /** `Class.method` of the handler that dead-lettered the event. */
    readonly handler: string,
    readonly remoteName: string,
    readonly remoteMessage: string,
    /** Why it was parked: `max-attempts`, `non-retryable`, `undecodable`, ... */
    readonly reason: string,
  ) {
    super(
      `Event "${eventType}" (id ${eventId}) was dead-lettered by ${handler} (${reason}): ${remoteName}: ${remoteMessage}`,
    );
  }
}
