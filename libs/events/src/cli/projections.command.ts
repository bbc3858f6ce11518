import type { DataSource } from 'typeorm';
import { EventStoreDatabase } from '../event-sourcing/event-store.database.js';
import {
  ProjectionCheckpointStore,
  type ProjectionRow,
} from '../event-sourcing/projection-checkpoint.store.js';
import { CliUsageError } from './cli-usage.error.js';
import type { CommandOutput } from './dlq.command.js';

export const PROJECTIONS_USAGE = `nestjs-amqp-events projections list|status [--json]
nestjs-amqp-events projections rebuild NAME [--json]
  database: --db URL (or EVENTS_DB_URL: postgres://... or a SQLite file), --schema S (or EVENTS_DB_SCHEMA)`;

export type ProjectionsCommand =
  { action: 'list' | 'status'; json: boolean } | { action: 'rebuild'; name: string; json: boolean };

/** Parses the words after `projections` (options --db/--schema are read by openCliDataSource's caller). */
export function parseProjectionsArgs(argv: string[]): ProjectionsCommand {
  const json = argv.includes('--json');
  const words = argv.filter(
    (a, i) => !a.startsWith('--') && !['--db', '--schema'].includes(argv[i - 1] ?? ''),
  );
  const [action, name, extra] = words;
  if (action === 'list' || action === 'status') {
    if (name) throw new CliUsageError(`projections ${action} takes no argument, got "${name}"`);
    return { action, json };
  }
  if (action === 'rebuild') {
    if (!name || extra) throw new CliUsageError('projections rebuild needs exactly one projection NAME');
    return { action, name, json };
  }
  throw new CliUsageError(
    `unknown projections action ${JSON.stringify(action ?? '')}; expected list, status or rebuild`,
  );
}

function table(rows: ProjectionRow[], head: number): string {
  if (rows.length === 0) return 'no projections (none has run against this database yet)';
  const lines = rows.map((r) => [
    r.name,
    String(r.position),
    String(Math.max(0, head - r.position)),
    r.state,
    r.leaseOwner && (r.leaseUntil ?? 0) > Date.now() ? r.leaseOwner : '-',
    r.error ?? '',
  ]);
  const header = ['NAME', 'POSITION', 'LAG', 'STATE', 'ACTIVE ON', 'ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  return [header, ...lines]
    .map((l) =>
      l
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * `projections list|status|rebuild NAME` against the event-store database. `rebuild` asks the active
 * projector (in a running app) to run its reset hook and restart from position 0.
 */
export async function runProjectionsCommand(
  cmd: ProjectionsCommand,
  dataSource: DataSource,
): Promise<CommandOutput> {
  const db = new EventStoreDatabase(dataSource);
  const checkpoints = new ProjectionCheckpointStore(db);
  const rows = await checkpoints.list();
  if (cmd.action === 'list') {
    const names = rows.map((r) => r.name);
    return {
      text: cmd.json ? JSON.stringify(names, null, 2) : names.join('\n') || 'no projections',
      exitCode: 0,
    };
  }
  if (cmd.action !== 'rebuild') {
    const head = Number(
      (await db.query<{ p: string | null }>(`SELECT MAX("position") AS p FROM ${db.store}`))[0]?.p ?? 0,
    );
    const json = rows.map((r) => ({ ...r, lag: Math.max(0, head - r.position) }));
    return {
      text: cmd.json ? JSON.stringify({ head, projections: json }, null, 2) : table(rows, head),
      exitCode: 0,
    };
  }
  if (!rows.some((r) => r.name === cmd.name)) {
    return {
      text: `unknown projection "${cmd.name}"; known: ${rows.map((r) => r.name).join(', ') || '(none)'}`,
      exitCode: 1,
    };
  }
  await checkpoints.setState(cmd.name, 'rebuild-requested');
  const text = `rebuild of "${cmd.name}" requested: the active projector resets it and replays from position 0 (watch: projections status)`;
  return { text: cmd.json ? JSON.stringify({ name: cmd.name, rebuild: 'requested' }) : text, exitCode: 0 };
}
