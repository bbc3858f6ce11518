import { EventsError } from './events.error.js';

/** An option of `EventsModule.forRoot()` (or of `@OnEvent`) is invalid. Thrown at startup. */
export class InvalidOptionsError extends EventsError {
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`Invalid nestjs-amqp-events option "${option}": ${problem}`);
  }
}
