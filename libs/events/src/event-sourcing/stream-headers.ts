/** Headers appended events carry on the bus (plain application headers, see docs/event-sourcing.md). */
export const STREAM_HEADERS = {
  streamId: 'x-stream-id',
  streamVersion: 'x-stream-version',
  /** The event's schema version, only when above 1. */
  schemaVersion: 'x-schema-version',
  /** On copies sent by `EventStore.replay()`: the time of the replay (ISO). */
  storeReplay: 'x-store-replay',
} as const;
