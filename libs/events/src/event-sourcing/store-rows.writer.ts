import type { EntityManager } from 'typeorm';
import type { PreparedStoreEvent } from './append-rules.js';
import type { EventStoreDatabase } from './event-store.database.js';

/**
 * Inserts the events of one append as versions base+1.. of the stream (chunks of 500 rows), returning their
 * positions in order. On Postgres the same statement NOTIFYs the projectors (delivered at commit).
 */
export async function insertStoreRows(
  db: EventStoreDatabase,
  m: EntityManager,
  streamId: string,
  base: number,
  events: PreparedStoreEvent[],
  now: number,
): Promise<number[]> {
  const positions: number[] = [];
  const chunk = 500;
  for (let start = 0; start < events.length; start += chunk) {
    const part = events.slice(start, start + chunk);
    const params: unknown[] = [];
    const values = part.map((e, i) => {
      const meta = {
        correlationId: e.correlationId,
        causationId: e.causationId,
        traceparent: e.traceparent,
        source: e.source,
        headers: e.headers,
      };
      params.push(
        e.id,
        streamId,
        base + start + i + 1,
        e.type,
        e.schemaVersion,
        JSON.stringify(e.data ?? null),
        JSON.stringify(meta),
        e.correlationId ?? null,
        e.causationId ?? null,
        now,
      );
      const o = i * 10;
      return `(${Array.from({ length: 10 }, (_, k) => `$${o + k + 1}`).join(', ')})`;
    });
    const insert =
      `INSERT INTO ${db.store} ("event_id", "stream_id", "version", "type", "schema_version", "data", "metadata", "correlation_id", "causation_id", "recorded_at") ` +
      `VALUES ${values.join(', ')} RETURNING "position"`;
    // Postgres: NOTIFY the projectors in the same round trip (delivered at commit)
    const sql =
      db.dialect === 'postgres'
        ? `WITH ins AS (${insert}), n AS (SELECT pg_notify('${db.channel}', '')) SELECT ins."position" FROM ins, n`
        : insert;
    const rows = await db.query<{ position: string | number }>(sql, params, m);
    positions.push(...rows.map((r) => Number(r.position)).sort((a, b) => a - b));
  }
  return positions;
}
