import { EventsError } from './events.error.js';

/** A dead letter could not be sent back to its queue; it stays in the DLQ. */
export class DeadLetterReplayError extends EventsError {
  constructor(
    readonly queue: string,
    readonly eventId: string | undefined,
    reason: string,
    /** Ids replayed before the failure. */
    readonly replayed: string[] = [],
  ) {
    super(
      `could not replay dead letter ${eventId ?? '(no id)'} to "${queue}": ${reason}; it stays in ${queue}.dlq`,
    );
  }
}
