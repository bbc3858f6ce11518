import { EventsError } from './events.error.js';

/** Throw from a handler to dead-letter the event at once, without further attempts. */
export class NonRetryableError extends EventsError {}
