import { EventsError } from './events.error.js';

/** A projection handler kept failing on one stored event: the projection stopped there (nothing skipped). */
export class ProjectionFailedError extends EventsError {
  constructor(
    readonly projection: string,
    readonly position: number,
    readonly eventType: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(
      `Projection "${projection}" stopped at position ${position} (${eventType}) after ${attempts} attempts: ` +
        `${cause instanceof Error ? cause.message : String(cause)}. Fix the handler, then rebuild or restart the projection.`,
      { cause },
    );
  }
}
