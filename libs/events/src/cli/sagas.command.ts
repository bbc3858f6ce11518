import type { SagaInstance, SagaStatus } from '../sagas/saga-definition.interface.js';
import type { SagaCliOps } from '../sagas/saga-cli.ops.js';
import type { CommandOutput } from './dlq.command.js';
import { CliUsageError } from './cli-usage.error.js';

export type SagasAction = 'list' | 'show' | 'abort';

export interface SagasCommand {
  command: 'sagas';
  action: SagasAction;
  id?: string;
  status?: SagaStatus;
  name?: string;
  limit: number;
  json: boolean;
  /** postgres://... or a better-sqlite3 file (sqlite:PATH). */
  database: string;
  schema?: string;
  exchange: string;
  service?: string;
}

export const SAGAS_USAGE = `Usage: nestjs-amqp-events sagas <action> [options]

Actions:
  list [--status S] [--name N] [--limit N]   sagas, newest first
  show <id>                                  one saga: data, steps, error
  abort <id>                                 compensate it now (sent to the service's saga queue)

Options:
  --database URL    postgres://user@host/db or sqlite:/path/to/file.db   (env DATABASE_URL)
  --schema S        Postgres schema of events_sagas                       (env DATABASE_SCHEMA)
  --service S       the service running the sagas (abort)                 (env EVENTS_SERVICE)
  --exchange E      topic exchange (abort)                      default: events (env EVENTS_EXCHANGE)
  --json            JSON output
Broker: AMQP_URL (default amqp://localhost:5672).`;

const STATUSES: SagaStatus[] = ['running', 'waiting', 'compensating', 'completed', 'compensated', 'failed'];

/** Parses `sagas <action> ...` (argv after the word `sagas`). Throws CliUsageError naming the problem. */
export function parseSagasArgs(argv: string[], env: Record<string, string | undefined> = {}): SagasCommand {
  const [action, ...rest] = argv;
  if (action !== 'list' && action !== 'show' && action !== 'abort')
    throw new CliUsageError(`unknown sagas action ${JSON.stringify(action ?? '')}; use list, show or abort`);
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith('--')) positional.push(a);
    else if (a === '--json') flags.json = true;
    else if (
      ['--status', '--name', '--limit', '--database', '--schema', '--service', '--exchange'].includes(a)
    ) {
      const v = rest[++i];
      if (v === undefined || v.startsWith('--')) throw new CliUsageError(`${a} needs a value`);
      flags[a.slice(2)] = v;
    } else throw new CliUsageError(`unknown option ${a}`);
  }
  const id = positional[0];
  if (action !== 'list' && !id) throw new CliUsageError(`sagas ${action} needs a saga id`);
  const status = flags.status as SagaStatus | undefined;
  if (status !== undefined && !STATUSES.includes(status))
    throw new CliUsageError(`--status must be one of ${STATUSES.join(', ')}`);
  const limit = flags.limit === undefined ? 50 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new CliUsageError('--limit must be a positive integer');
  const database = (flags.database as string | undefined) ?? env.DATABASE_URL;
  if (!database) throw new CliUsageError('no database: pass --database or set DATABASE_URL');
  return {
    command: 'sagas',
    action,
    ...(id ? { id } : {}),
    ...(status ? { status } : {}),
    ...(flags.name ? { name: flags.name as string } : {}),
    limit,
    json: flags.json === true,
    database,
    schema: (flags.schema as string | undefined) ?? env.DATABASE_SCHEMA,
    exchange: (flags.exchange as string | undefined) ?? env.EVENTS_EXCHANGE ?? 'events',
    service: (flags.service as string | undefined) ?? env.EVENTS_SERVICE,
  };
}

/** TypeORM options for `--database`. */
export function sagasDataSourceOptions(
  cmd: SagasCommand,
): { type: 'postgres'; url: string; schema?: string } | { type: 'better-sqlite3'; database: string } {
  if (cmd.database.startsWith('sqlite:'))
    return { type: 'better-sqlite3', database: cmd.database.slice('sqlite:'.length) };
  return { type: 'postgres', url: cmd.database, ...(cmd.schema ? { schema: cmd.schema } : {}) };
}

function row(s: SagaInstance): string {
  const step = s.status === 'completed' || s.status === 'compensated' ? '-' : String(s.currentStep);
  return [s.id, s.name, s.status, step, s.updatedAt.toISOString(), s.error ?? ''].join('  ');
}

/** Runs one `sagas` action and renders it (text or JSON). Exit code 1 when the saga does not exist. */
export async function runSagasCommand(cmd: SagasCommand, ops: SagaCliOps): Promise<CommandOutput> {
  const render = (json: unknown, text: string): CommandOutput => ({
    text: cmd.json ? JSON.stringify(json, null, 2) : text,
    exitCode: 0,
  });
  if (cmd.action === 'list') {
    const sagas = await ops.list({ status: cmd.status, name: cmd.name, limit: cmd.limit });
    const header = ['ID', 'NAME', 'STATUS', 'STEP', 'UPDATED', 'ERROR'].join('  ');
    return render(sagas, sagas.length === 0 ? 'no sagas' : [header, ...sagas.map(row)].join('\n'));
  }
  const id = cmd.id as string;
  const saga = await ops.get(id);
  if (!saga)
    return {
      text: cmd.json ? JSON.stringify({ error: 'not found', id }) : `saga ${id} not found`,
      exitCode: 1,
    };
  if (cmd.action === 'show') {
    const text = [
      `${saga.name} ${saga.id}: ${saga.status}`,
      `step ${saga.currentStep}; completed: ${saga.completedSteps.join(', ') || '(none)'}`,
      `started ${saga.startedAt.toISOString()}, updated ${saga.updatedAt.toISOString()}`,
      ...(saga.error ? [`error: ${saga.error}`] : []),
      `data: ${JSON.stringify(saga.data, null, 2)}`,
    ].join('\n');
    return render(saga, text);
  }
  if (saga.status !== 'running' && saga.status !== 'waiting')
    return render(saga, `saga ${id} is ${saga.status}: nothing to abort`);
  await ops.abort(id);
  return render(
    { ...saga, abortRequested: true },
    `abort sent for saga ${id} (${saga.status}); it compensates its completed steps`,
  );
}
