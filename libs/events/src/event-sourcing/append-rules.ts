import type { EntityManager } from 'typeorm';
import { EventValidationError } from '../errors/event-validation.error.js';
import type { HeaderValue, PublishItem } from '../interfaces/publish-options.interface.js';
import type { AppendOptions, NewEvent } from './event-store.types.js';
import { STREAM_HEADERS } from './stream-headers.js';

const STREAM_ID_MAX = 255;

/** An event ready to store: id and schema version decided. */
export type PreparedStoreEvent = NewEvent & { id: string; schemaVersion: number };

/** Does the stream's current version satisfy `expectedVersion`? Pure. */
export function versionMatches(expected: AppendOptions['expectedVersion'], actual: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no-stream') return actual === 0;
  return expected === actual;
}

/** The outbox items of appended events: same ids, stream id/version (and schema version > 1) in headers. Pure. */
export function publishItems(
  streamId: string,
  base: number,
  events: PreparedStoreEvent[],
  m: EntityManager,
): PublishItem[] {
  return events.map((e, i) => {
    const headers: Record<string, HeaderValue> = {
      ...e.headers,
      [STREAM_HEADERS.streamId]: streamId,
      [STREAM_HEADERS.streamVersion]: base + i + 1,
    };
    return {
      type: e.type,
      data: e.data,
      options: {
        id: e.id,
        correlationId: e.correlationId,
        causationId: e.causationId,
        traceparent: e.traceparent,
        source: e.source,
        headers,
        // the codec writes x-schema-version when above 1
        schemaVersion: e.schemaVersion,
        transaction: m,
      },
    };
  });
}

/** Refuses bad append input, naming the field. Pure. */
export function validateAppend(streamId: string, events: NewEvent[], options: AppendOptions): void {
  if (typeof streamId !== 'string' || streamId.length === 0 || streamId.length > STREAM_ID_MAX) {
    throw new EventValidationError(
      'streamId',
      `must be a non-empty string of at most ${STREAM_ID_MAX} characters`,
    );
  }
  if (!Array.isArray(events)) throw new EventValidationError('events', 'must be an array');
  if (!options || typeof options !== 'object')
    throw new EventValidationError('options', 'must be { expectedVersion }');
  const ev = options.expectedVersion;
  if (!(ev === 'any' || ev === 'no-stream' || (Number.isInteger(ev) && (ev as number) >= 0))) {
    throw new EventValidationError(
      'expectedVersion',
      `must be an integer >= 0, 'no-stream' or 'any', got ${JSON.stringify(ev)}`,
    );
  }
  events.forEach((e, i) => {
    if (!e || typeof e.type !== 'string' || e.type.length === 0)
      throw new EventValidationError(`events[${i}].type`, 'must be a non-empty string');
    if (e.schemaVersion !== undefined && (!Number.isInteger(e.schemaVersion) || e.schemaVersion < 1)) {
      throw new EventValidationError(`events[${i}].schemaVersion`, 'must be an integer >= 1', e.type);
    }
  });
}
