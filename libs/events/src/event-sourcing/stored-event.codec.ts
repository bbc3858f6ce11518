import type { StoredEvent, StoredEventMetadata } from './event-store.types.js';
import { upcastEvent, type UpcasterRegistry } from './event-upcaster.js';

/** A raw `events_store` row as the drivers return it (snake_case, bigint as string on Postgres). */
export interface StoreRowRaw {
  position: string | number;
  event_id: string;
  stream_id: string;
  version: string | number;
  type: string;
  schema_version: string | number;
  data: string;
  metadata: string;
  recorded_at: string | number;
}

export const STORE_COLUMNS =
  '"position", "event_id", "stream_id", "version", "type", "schema_version", "data", "metadata", "recorded_at"';

/** Decodes a row and upcasts its data to the current schema version. Pure. */
export function decodeStoredEvent(row: StoreRowRaw, upcasters: UpcasterRegistry): StoredEvent {
  const up = upcastEvent(upcasters, row.type, Number(row.schema_version), JSON.parse(row.data) as unknown);
  return {
    position: Number(row.position),
    streamId: row.stream_id,
    version: Number(row.version),
    id: row.event_id,
    type: row.type,
    schemaVersion: up.version,
    data: up.data,
    metadata: JSON.parse(row.metadata) as StoredEventMetadata,
    recordedAt: new Date(Number(row.recorded_at)),
  };
}
