import { EventsError } from './events.error.js';

export type PublishFailureReason = 'nacked' | 'timeout' | 'buffer-full' | 'closed' | 'channel-error';

/**
 * The broker did not confirm a publish. For `timeout` and `closed` the outcome is unknown: the event
 * may or may not have been stored, and retrying the publish may produce a duplicate (same event id).
 */
export class PublishError extends EventsError {
  constructor(
    message: string,
    readonly reason: PublishFailureReason,
    readonly eventType?: string,
    readonly eventId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
