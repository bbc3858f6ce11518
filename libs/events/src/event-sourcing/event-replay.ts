import amqplib from 'amqplib';
import { DEFAULT_PRIORITY, HEADERS } from '../constants.js';
import { amqpSocketOptions } from '../amqp/socket-options.js';
import { encodeEnvelope } from '../envelope/envelope.codec.js';
import { EventsError } from '../errors/events.error.js';
import type { HeaderValue } from '../interfaces/publish-options.interface.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { names } from '../topology/topology-names.js';
import type { ReplayFilter, StoredEvent } from './event-store.types.js';
import { STREAM_HEADERS } from './stream-headers.js';

/** Does a stored event pass a replay filter? Pure. */
export function matchesReplayFilter(e: StoredEvent, f: ReplayFilter): boolean {
  if (f.streamId !== undefined && e.streamId !== f.streamId) return false;
  if (f.types && f.types.length > 0 && !f.types.includes(e.type)) return false;
  if (
    f.correlationId !== undefined &&
    e.metadata.correlationId !== f.correlationId &&
    e.id !== f.correlationId
  )
    return false;
  if (f.toPosition !== undefined && e.position > f.toPosition) return false;
  return true;
}

/** The AMQP message of a replayed stored event (same id, stream headers, replay marker). Pure. */
export function replayMessage(
  e: StoredEvent,
  replayedAt: string,
): { content: Buffer; properties: ReturnType<typeof encodeEnvelope>['properties'] } {
  const headers: Record<string, HeaderValue> = {
    ...e.metadata.headers,
    [STREAM_HEADERS.streamId]: e.streamId,
    [STREAM_HEADERS.streamVersion]: e.version,
    [STREAM_HEADERS.storeReplay]: replayedAt,
    [HEADERS.replayedAt]: replayedAt,
  };
  if (e.schemaVersion > 1) headers[STREAM_HEADERS.schemaVersion] = e.schemaVersion;
  const content = Buffer.from(JSON.stringify(e.data ?? null), 'utf8');
  return encodeEnvelope(
    {
      id: e.id,
      type: e.type,
      source: e.metadata.source ?? 'event-store',
      time: e.recordedAt.toISOString(),
      priority: DEFAULT_PRIORITY,
      correlationId: e.metadata.correlationId,
      causationId: e.metadata.causationId,
      traceparent: e.metadata.traceparent,
      attempt: 1,
      headers,
    },
    content,
  );
}

/**
 * Sends stored events to ONE handler queue: published with confirms to the direct exchange
 * `{exchange}.retry` with routing key = the queue (how the library returns retries to one queue), on a
 * connection of its own. Fails before sending anything when the queue does not exist.
 */
export async function replayToQueue(
  options: ResolvedEventsOptions,
  queue: string,
  events: AsyncIterable<StoredEvent>,
  filter: ReplayFilter,
): Promise<number> {
  if (typeof queue !== 'string' || queue.length === 0)
    throw new EventsError('replay(): toQueue must be a handler queue name');
  const conn = await amqplib.connect(
    options.uris[0],
    amqpSocketOptions(options, `${options.service}:replay`),
  );
  conn.on('error', () => undefined);
  try {
    const ch = await conn.createConfirmChannel();
    ch.on('error', () => undefined);
    try {
      await ch.checkQueue(queue);
    } catch {
      throw new EventsError(
        `replay(): queue "${queue}" does not exist; start the app that declares its handler first`,
      );
    }
    const exchange = names.retryExchange(options.exchange);
    const at = new Date().toISOString();
    let sent = 0;
    for await (const e of events) {
      if (!matchesReplayFilter(e, filter)) continue;
      const { content, properties } = replayMessage(e, at);
      if (!ch.publish(exchange, queue, content, properties)) await new Promise((r) => ch.once('drain', r));
      sent++;
      if (sent % 500 === 0) await ch.waitForConfirms();
    }
    await ch.waitForConfirms();
    await ch.close();
    return sent;
  } finally {
    await conn.close().catch(() => undefined);
  }
}
