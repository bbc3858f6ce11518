import { EventsError } from './events.error.js';

/** A publish was refused before anything was sent: bad event type, payload, priority, delay or header. */
export class EventValidationError extends EventsError {
  constructor(
    readonly field: string,
    problem: string,
    readonly eventType?: string,
  ) {
    super(`Cannot publish${eventType ? ` "${eventType}"` : ''}: ${field} ${problem}`);
  }
}
