import { EventsError } from './events.error.js';

/** No saga with this id is stored. */
export class SagaNotFoundError extends EventsError {
  constructor(readonly sagaId: string) {
    super(`saga "${sagaId}" not found (check the id with \`sagas list\`)`);
  }
}
