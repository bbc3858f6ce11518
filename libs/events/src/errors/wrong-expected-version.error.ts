import { EventsError } from './events.error.js';

/** What `append()` expected the stream's version to be. */
export type ExpectedVersionValue = number | 'no-stream' | 'any';

/**
 * An append's `expectedVersion` did not match the stream's current version (another writer appended first,
 * or the aggregate was loaded before a concurrent change). Nothing was written; reload and retry.
 */
export class WrongExpectedVersionError extends EventsError {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersionValue,
    /** The stream's version when the append was refused (0 = the stream does not exist). */
    readonly actual: number,
  ) {
    super(
      `Stream "${streamId}": expected version ${JSON.stringify(expected)} but the stream is at version ${actual}; ` +
        'nothing was written. Reload the stream (or aggregate) and retry the command.',
    );
  }
}
