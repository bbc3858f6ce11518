import { EventsError } from './events.error.js';

/** `start(name, data, { id })` with an id another saga already has. */
export class SagaAlreadyExistsError extends EventsError {
  constructor(
    readonly sagaId: string,
    options?: { cause?: unknown },
  ) {
    super(`a saga with id "${sagaId}" already exists; start it once, or pass another id`, options);
  }
}
