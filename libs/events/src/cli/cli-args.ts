import { CliUsageError } from './cli-usage.error.js';

export type DlqAction = 'list' | 'show' | 'replay' | 'purge';

export interface DlqCommand {
  command: 'dlq';
  action: DlqAction;
  /** Handler queue or its `.dlq`. */
  queue: string;
  ids: string[];
  all: boolean;
  json: boolean;
  exchange: string;
  limit: number;
}

export type CliCommand = DlqCommand | { command: 'help' };

export const USAGE = `Usage: nestjs-amqp-events dlq <action> --queue <queue> [options]

Actions:
  list     list the dead letters of a handler queue (oldest first; not removed)
  show     show dead letters in full (headers, error, stack, body): needs --id
  replay   send dead letters back to their handler queue, attempts reset: needs --id or --all
  purge    delete dead letters: needs --id or --all

Options:
  --queue, -q <name>   handler queue (billing.Orders.onCreated) or its DLQ (billing.Orders.onCreated.dlq)
  --id <id>            event id (messageId); repeat it or separate ids with commas
  --all                every dead letter of the queue (replay, purge)
  --limit <n>          at most n letters for list (default 50)
  --exchange <name>    the module's exchange option (default: $EVENTS_EXCHANGE or "events")
  --json               machine-readable output
  --help, -h           this text

Environment:
  AMQP_URL             broker URI (default amqp://localhost:5672)

Exit codes: 0 done, 1 failed (broker error, id not found), 2 bad usage.`;

const ACTIONS: readonly DlqAction[] = ['list', 'show', 'replay', 'purge'];
const VALUE_FLAGS = new Set(['--queue', '-q', '--id', '--limit', '--exchange']);

/** Parses argv (without `node` and the script); throws CliUsageError with what is wrong. */
export function parseCliArgs(argv: string[], env: Record<string, string | undefined> = {}): CliCommand {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help')
    return { command: 'help' };
  const positional: string[] = [];
  const values = new Map<string, string[]>();
  let all = false;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag === '--all') all = true;
    else if (flag === '--json') json = true;
    else if (VALUE_FLAGS.has(flag)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '' || (eq < 0 && value.startsWith('-')))
        throw new CliUsageError(`${flag} needs a value`);
      const key = flag === '-q' ? '--queue' : flag;
      values.set(key, [...(values.get(key) ?? []), value]);
    } else if (arg.startsWith('-')) throw new CliUsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  const [command, action, ...extra] = positional;
  if (command !== 'dlq')
    throw new CliUsageError(
      command ? `unknown command "${command}" (expected "dlq")` : 'missing command "dlq"',
    );
  if (!action) throw new CliUsageError(`missing action (${ACTIONS.join(', ')})`);
  if (!ACTIONS.includes(action as DlqAction))
    throw new CliUsageError(`unknown action "${action}" (expected ${ACTIONS.join(', ')})`);
  if (extra.length > 0) throw new CliUsageError(`unexpected argument "${extra[0]}"`);
  const single = (flag: string): string | undefined => {
    const v = values.get(flag);
    if (v && v.length > 1) throw new CliUsageError(`${flag} given more than once`);
    return v?.[0];
  };
  const queue = single('--queue');
  if (!queue) throw new CliUsageError('--queue is required');
  const ids = (values.get('--id') ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
  const limitText = single('--limit');
  const limit = limitText === undefined ? 50 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1)
    throw new CliUsageError(`--limit must be a positive integer, got "${limitText}"`);
  const a = action as DlqAction;
  if (ids.length > 0 && all) throw new CliUsageError('give either --id or --all, not both');
  if (a === 'show' && ids.length === 0) throw new CliUsageError('show needs --id <id>');
  if ((a === 'replay' || a === 'purge') && ids.length === 0 && !all)
    throw new CliUsageError(`${a} needs --id <id> or --all`);
  if (a === 'list' && (ids.length > 0 || all))
    throw new CliUsageError('list takes no --id or --all (use show --id)');
  if (a === 'show' && all) throw new CliUsageError('show takes --id, not --all (use list)');
  return {
    command: 'dlq',
    action: a,
    queue,
    ids,
    all,
    json,
    exchange: single('--exchange') ?? env.EVENTS_EXCHANGE ?? 'events',
    limit,
  };
}
