import { maskUri } from '../options/resolve-options.js';
import type { CliCommandModule, CliIo } from './cli-command.js';
import { parseSagasArgs, runSagasCommand, sagasDataSourceOptions, SAGAS_USAGE } from './sagas.command.js';

// the event-store commands load TypeORM (entities): imported when run, so `dlq` never loads it
const STORE_USAGE = `Usage: nestjs-amqp-events projections list|status [--json] [--db URL] [--schema S]
       nestjs-amqp-events projections rebuild NAME [--db URL] [--schema S]
       nestjs-amqp-events events stream STREAM_ID [--json] [--db URL] [--schema S]
       nestjs-amqp-events events chain CORRELATION_ID [--json] [--db URL] [--schema S]

  --db URL     postgres://... or a SQLite file of the event store (default: $EVENTS_DB_URL)
  --schema S   Postgres schema of the event store tables (default: $EVENTS_DB_SCHEMA)`;

/** `--db URL` / `--schema S` (or EVENTS_DB_URL / EVENTS_DB_SCHEMA) of the event store's database. */
function storeFlags(
  argv: string[],
  env: CliIo['env'],
): { url: string | undefined; schema: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let url = env.EVENTS_DB_URL;
  let schema = env.EVENTS_DB_SCHEMA;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--db') url = argv[++i];
    else if (argv[i] === '--schema') schema = argv[++i];
    else rest.push(argv[i]);
  }
  return { url, schema, rest };
}

/** Runs `work` on the event store's database (TypeORM loaded only for these commands). */
async function withStore(
  argv: string[],
  io: CliIo,
  work: (rest: string[], ds: import('typeorm').DataSource) => Promise<{ text: string; exitCode: number }>,
): Promise<number> {
  const { url, schema, rest } = storeFlags(argv, io.env);
  const { openCliDataSource } = await import('../event-sourcing/cli-data-source.js');
  let ds;
  try {
    ds = await openCliDataSource(url, schema);
  } catch (e) {
    io.stderr(`error: cannot open the event store's database: ${maskUri((e as Error).message)}\n`);
    return 1;
  }
  try {
    const r = await work(rest, ds);
    io.stdout(`${r.text}\n`);
    return r.exitCode;
  } finally {
    await ds.destroy();
  }
}

export const projectionsCommand: CliCommandModule = {
  name: 'projections',
  summary: 'list, status and rebuild the projections of an event store (--db URL)',
  usage: STORE_USAGE,
  run: (argv, io) =>
    withStore(argv, io, async (rest, ds) => {
      const { parseProjectionsArgs, runProjectionsCommand } = await import('./projections.command.js');
      return runProjectionsCommand(parseProjectionsArgs(rest), ds);
    }),
};

export const eventsCommand: CliCommandModule = {
  name: 'events',
  summary: 'show a stream or a correlation chain of an event store (--db URL)',
  usage: STORE_USAGE,
  run: (argv, io) =>
    withStore(argv, io, async (rest, ds) => {
      const { parseEventsArgs, runEventsCommand } = await import('./events.command.js');
      return runEventsCommand(parseEventsArgs(rest), ds);
    }),
};

export const sagasCommand: CliCommandModule = {
  name: 'sagas',
  summary: 'list, show and abort sagas',
  usage: SAGAS_USAGE,
  async run(argv, io) {
    const cmd = parseSagasArgs(argv, io.env);
    const uri = io.env.AMQP_URL ?? 'amqp://localhost:5672';
    const { openSagaCliOps } = await import('../sagas/saga-cli.ops.js');
    let ops;
    try {
      ops = await openSagaCliOps({
        dataSource: sagasDataSourceOptions(cmd) as never,
        uri,
        exchange: cmd.exchange,
        service: cmd.service,
      });
    } catch (e) {
      io.stderr(`error: ${maskUri((e as Error).message)}\n`);
      return 1;
    }
    try {
      const r = await runSagasCommand(cmd, ops);
      io.stdout(`${r.text}\n`);
      return r.exitCode;
    } catch (e) {
      io.stderr(`error: ${maskUri((e as Error).message)}\n`);
      return 1;
    } finally {
      await ops.close();
    }
  },
};
