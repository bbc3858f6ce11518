import { EventsError } from './events.error.js';

/** A publish refused by the publisher's rate limit (`rateLimit.whenLimited: 'fail'`, or a wait over `maxWaitMs`). */
export class RateLimitExceededError extends EventsError {
  constructor(
    readonly eventType: string,
    readonly limit: string,
    readonly waitMs: number,
  ) {
    super(
      `Cannot publish "${eventType}" now: the rate limit ${limit} is exhausted (next slot in ~${Math.ceil(waitMs)} ms); publish later, raise the limit, or use whenLimited: 'wait'`,
    );
  }
}
