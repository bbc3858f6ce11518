import type { DataSource } from 'typeorm';
import { resolveEventSourcingOptions } from '../event-sourcing/event-sourcing.options.js';
import { EventStoreDatabase } from '../event-sourcing/event-store.database.js';
import { EventStore } from '../event-sourcing/event-store.js';
import type { StoredEvent } from '../event-sourcing/event-store.types.js';
import { CliUsageError } from './cli-usage.error.js';
import type { CommandOutput } from './dlq.command.js';

export const EVENTS_USAGE = `nestjs-amqp-events events stream STREAM_ID [--json]
nestjs-amqp-events events chain CORRELATION_ID [--json]
  database: --db URL (or EVENTS_DB_URL: postgres://... or a SQLite file), --schema S (or EVENTS_DB_SCHEMA)`;

export type EventsCommand =
  | { action: 'stream'; streamId: string; json: boolean }
  | { action: 'chain'; correlationId: string; json: boolean };

/** Parses the words after `events`. */
export function parseEventsArgs(argv: string[]): EventsCommand {
  const json = argv.includes('--json');
  const words = argv.filter(
    (a, i) => !a.startsWith('--') && !['--db', '--schema'].includes(argv[i - 1] ?? ''),
  );
  const [action, id, extra] = words;
  if ((action === 'stream' || action === 'chain') && id && !extra) {
    return action === 'stream' ? { action, streamId: id, json } : { action, correlationId: id, json };
  }
  if (action === 'stream' || action === 'chain')
    throw new CliUsageError(
      `events ${action} needs exactly one ${action === 'stream' ? 'STREAM_ID' : 'CORRELATION_ID'}`,
    );
  throw new CliUsageError(`unknown events action ${JSON.stringify(action ?? '')}; expected stream or chain`);
}

function line(e: StoredEvent, indent = ''): string {
  return `${indent}#${e.position} ${e.streamId}@${e.version} ${e.type} v${e.schemaVersion} ${e.id} ${e.recordedAt.toISOString()} ${JSON.stringify(e.data)}`;
}

/** `events stream ID` (the stream in version order) and `events chain CORRELATION_ID` (causal tree). */
export async function runEventsCommand(cmd: EventsCommand, dataSource: DataSource): Promise<CommandOutput> {
  const store = new EventStore(
    new EventStoreDatabase(dataSource),
    resolveEventSourcingOptions({ publish: false }),
  );
  if (cmd.action === 'stream') {
    const events = await store.readStream(cmd.streamId);
    if (events.length === 0) return { text: `stream "${cmd.streamId}" has no events`, exitCode: 1 };
    return {
      text: cmd.json ? JSON.stringify(events, null, 2) : events.map((e) => line(e)).join('\n'),
      exitCode: 0,
    };
  }
  const chain = await store.getEventChain(cmd.correlationId);
  if (chain.length === 0)
    return { text: `no events with correlation id "${cmd.correlationId}"`, exitCode: 1 };
  return {
    text: cmd.json
      ? JSON.stringify(chain, null, 2)
      : chain.map((e) => line(e, '  '.repeat(e.depth))).join('\n'),
    exitCode: 0,
  };
}
