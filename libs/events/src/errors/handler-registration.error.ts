import { EventsError } from './events.error.js';

/** An `@OnEvent` handler cannot be registered (request-scoped provider, duplicate queue, bad pattern). */
export class HandlerRegistrationError extends EventsError {
  constructor(
    readonly handler: string,
    problem: string,
  ) {
    super(`Cannot register event handler ${handler}: ${problem}`);
  }
}
