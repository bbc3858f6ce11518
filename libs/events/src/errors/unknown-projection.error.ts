import { EventsError } from './events.error.js';

/** `ProjectionService` was asked about a projection no `@Projection(name)` provider declares. */
export class UnknownProjectionError extends EventsError {
  constructor(
    readonly projection: string,
    known: string[],
  ) {
    super(`Unknown projection "${projection}"; known: ${known.length ? known.join(', ') : '(none)'}`);
  }
}
