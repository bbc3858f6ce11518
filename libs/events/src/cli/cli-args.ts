import { parseFlags, singleValue } from './cli-flags.js';
import { CliUsageError } from './cli-usage.error.js';

export type DlqAction = 'list' | 'show' | 'replay' | 'purge';

export interface DlqCommand {
  command: 'dlq';
  action: DlqAction;
  /** Handler queue or its `.dlq`; undefined for `list --service` (every DLQ of the service). */
  queue: string | undefined;
  /** With `list` and no queue: the service whose DLQs to list (from its recorded topology). */
  service: string | undefined;
  ids: string[];
  all: boolean;
  json: boolean;
  exchange: string;
  limit: number;
}

export type CliCommand = DlqCommand | { command: 'help' };

export const USAGE = `Usage: nestjs-amqp-events dlq <action> --queue <queue> [options]
       nestjs-amqp-events dlq list --service <service> [options]

Actions:
  list     list the dead letters of a handler queue (oldest first; not removed); with --service
           instead of --queue: every dead-letter queue of the service, with counts
  show     show dead letters in full (headers, error, stack, body): needs --id
  replay   send dead letters back to their handler queue, attempts reset: needs --id or --all
  purge    delete dead letters: needs --id or --all

Options:
  --queue, -q <name>   handler queue (billing.Orders.onCreated) or its DLQ (billing.Orders.onCreated.dlq)
  --service <name>     the service's name (EventsModule \`service\`), for list without --queue
  --id <id>            event id (messageId); repeat it or separate ids with commas
  --all                every dead letter of the queue (replay, purge)
  --limit <n>          at most n letters for list (default 50)
  --exchange <name>    the module's exchange option (default: $EVENTS_EXCHANGE or "events"); replay
                       uses the exchange each letter came through
  --json               machine-readable output
  --help, -h           this text

Environment:
  AMQP_URL             broker URI (default amqp://localhost:5672)
  AMQP_CA_FILE, AMQP_CERT_FILE, AMQP_KEY_FILE, AMQP_KEY_PASSPHRASE, AMQP_SERVERNAME
                       TLS for amqps:// (PEM files; see docs/security.md)

Exit codes: 0 done, 1 failed (broker error, id not found), 2 bad usage.`;

const ACTIONS: readonly DlqAction[] = ['list', 'show', 'replay', 'purge'];
const SPEC = {
  values: ['--queue', '--id', '--limit', '--exchange', '--service'],
  booleans: ['--all', '--json', '--help'],
  aliases: { '-q': '--queue', '-h': '--help' },
};

/** Parses argv (without `node` and the script); throws CliUsageError with what is wrong. */
export function parseCliArgs(argv: string[], env: Record<string, string | undefined> = {}): CliCommand {
  const flags = parseFlags(argv, SPEC);
  if (argv.length === 0 || flags.booleans.has('--help') || argv[0] === 'help') return { command: 'help' };
  const all = flags.booleans.has('--all');
  const json = flags.booleans.has('--json');
  const [command, action, ...extra] = flags.positional;
  if (command !== 'dlq')
    throw new CliUsageError(
      command ? `unknown command "${command}" (expected "dlq")` : 'missing command "dlq"',
    );
  if (!action) throw new CliUsageError(`missing action (${ACTIONS.join(', ')})`);
  if (!ACTIONS.includes(action as DlqAction))
    throw new CliUsageError(`unknown action "${action}" (expected ${ACTIONS.join(', ')})`);
  if (extra.length > 0) throw new CliUsageError(`unexpected argument "${extra[0]}"`);
  const a = action as DlqAction;
  const queue = singleValue(flags, '--queue');
  const service = singleValue(flags, '--service');
  if (queue && service) throw new CliUsageError('give either --queue or --service, not both');
  if (!queue && !(a === 'list' && service)) {
    throw new CliUsageError(a === 'list' ? '--queue or --service is required' : '--queue is required');
  }
  const ids = (flags.values.get('--id') ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
  const limitText = singleValue(flags, '--limit');
  const limit = limitText === undefined ? 50 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1)
    throw new CliUsageError(`--limit must be a positive integer, got "${limitText}"`);
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
    service,
    ids,
    all,
    json,
    exchange: singleValue(flags, '--exchange') ?? (env.EVENTS_EXCHANGE || 'events'),
    limit,
  };
}
