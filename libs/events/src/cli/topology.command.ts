import type { ChannelModel } from 'amqplib';
import { sharedTopology } from '../topology/topology.js';
import { withCliConnection } from './amqp-cli-connection.js';
import type { CliCommandModule, CliIo } from './cli-command.js';
import { parseFlags, singleValue } from './cli-flags.js';
import { CliUsageError } from './cli-usage.error.js';
import { readServiceTopology, serviceRecordQueue } from '../amqp/service-topology.registry.js';

export const TOPOLOGY_USAGE = `Usage: nestjs-amqp-events topology describe [--exchange <name>] [--service <name>]... [--json]
       nestjs-amqp-events topology delete --exchange <name> [--service <name>]... [--yes]

Actions:
  describe   the broker objects of a bus (exchange, unrouted, dead-letter, retry and delay
             infrastructure) and, per --service, its handler queues and dead-letter queues (from the
             topology the service recorded), each with whether it exists and its message count
  delete     deletes those objects: for a developer's broker when done. Messages in them are lost.
             Asks for the exchange name as confirmation, or --yes

Options:
  --exchange <name>    the module's exchange option (default: $EVENTS_EXCHANGE or "events")
  --service <name>     also the service's own queues; repeat for several services
  --yes                delete without asking (needed when stdin is not a terminal)
  --json               machine-readable output (describe)

Environment:
  AMQP_URL             broker URI (default amqp://localhost:5672)`;

export interface ObjectState {
  kind: 'exchange' | 'queue';
  name: string;
  exists: boolean;
  /** Ready messages (queues that exist). */
  messages?: number;
}

/** Every object of the bus and of the given services, from topology data and the services' records. */
async function objectsOf(
  connection: ChannelModel,
  exchange: string,
  services: string[],
): Promise<{
  names: Array<Pick<ObjectState, 'kind' | 'name'>>;
  unrecorded: string[];
  /** Objects of the quorum family: listed only when they exist (a bus has one family or both). */
  optional: Set<string>;
}> {
  const names: Array<Pick<ObjectState, 'kind' | 'name'>> = [];
  const optional = new Set<string>();
  const seen = new Set<string>();
  for (const queueType of ['classic', 'quorum'] as const) {
    const shared = sharedTopology(exchange, queueType);
    for (const o of [
      ...shared.exchanges.map((e) => ({ kind: 'exchange' as const, name: e.name })),
      ...shared.queues.map((q) => ({ kind: 'queue' as const, name: q.name })),
    ]) {
      if (seen.has(`${o.kind}:${o.name}`)) continue;
      seen.add(`${o.kind}:${o.name}`);
      names.push(o);
      if (queueType === 'quorum') optional.add(o.name);
    }
  }
  const unrecorded: string[] = [];
  for (const service of services) {
    const record = await readServiceTopology(connection, exchange, service);
    if (!record) unrecorded.push(service);
    for (const q of record?.queues ?? [])
      names.push({ kind: 'queue', name: q }, { kind: 'queue', name: `${q}.dlq` });
    if (record) names.push({ kind: 'queue', name: serviceRecordQueue(exchange, service) });
  }
  return { names, unrecorded, optional };
}

/** Checks each object passively (a missing one closes its channel, so one channel per check). */
async function inspect(
  connection: ChannelModel,
  objects: Array<Pick<ObjectState, 'kind' | 'name'>>,
): Promise<ObjectState[]> {
  const states: ObjectState[] = [];
  for (const o of objects) {
    const ch = await connection.createChannel();
    ch.on('error', () => undefined);
    try {
      if (o.kind === 'exchange') {
        await ch.checkExchange(o.name);
        states.push({ ...o, exists: true });
      } else {
        const { messageCount } = await ch.checkQueue(o.name);
        states.push({ ...o, exists: true, messages: messageCount });
      }
      await ch.close().catch(() => undefined);
    } catch {
      states.push({ ...o, exists: false });
    }
  }
  return states;
}

function render(exchange: string, states: ObjectState[], unrecorded: string[]): string {
  const width = Math.max(...states.map((s) => s.name.length));
  const present = states.filter((s) => s.exists);
  const lines = [
    `bus "${exchange}": ${present.filter((s) => s.kind === 'exchange').length} exchange(s) and ${present.filter((s) => s.kind === 'queue').length} queue(s) exist, ${states.length - present.length} missing`,
    '',
    ...states.map(
      (s) =>
        `${s.kind.padEnd(8)}  ${s.name.padEnd(width)}  ${s.exists ? (s.kind === 'queue' ? `${s.messages} message(s)` : 'ok') : 'missing'}`,
    ),
  ];
  for (const service of unrecorded)
    lines.push(
      '',
      `service "${service}" has not recorded its topology on this bus: its queues are not listed`,
    );
  return lines.join('\n');
}

async function confirmDelete(
  io: CliIo,
  exchange: string,
  states: ObjectState[],
  yes: boolean,
): Promise<boolean> {
  if (yes) return true;
  if (!io.ask)
    throw new CliUsageError(
      'topology delete asks for confirmation on a terminal; pass --yes to delete without asking',
    );
  const messages = states.reduce((n, s) => n + (s.messages ?? 0), 0);
  const answer = await io.ask(
    `Delete ${states.filter((s) => s.exists).length} objects of bus "${exchange}" (${messages} message(s) in them are lost)? Type the exchange name to confirm: `,
  );
  return answer.trim() === exchange;
}

/** `nestjs-amqp-events topology describe|delete`. */
export const topologyCommand: CliCommandModule = {
  name: 'topology',
  summary: "describe or delete a bus's broker objects (exchanges, queues, delay infrastructure)",
  usage: TOPOLOGY_USAGE,
  async run(argv, io) {
    const flags = parseFlags(argv, {
      values: ['--exchange', '--service'],
      booleans: ['--yes', '--json', '--help'],
      aliases: { '-h': '--help' },
    });
    const [action, ...extra] = flags.positional;
    if (flags.booleans.has('--help')) {
      io.stdout(`${TOPOLOGY_USAGE}\n`);
      return 0;
    }
    if (action !== 'describe' && action !== 'delete')
      throw new CliUsageError(
        action
          ? `unknown action "${action}" (expected describe, delete)`
          : 'missing action (describe, delete)',
      );
    if (extra.length > 0) throw new CliUsageError(`unexpected argument "${extra[0]}"`);
    const given = singleValue(flags, '--exchange');
    if (action === 'delete' && !given)
      throw new CliUsageError('topology delete needs --exchange <name> (no default, on purpose)');
    const exchange = given ?? (io.env.EVENTS_EXCHANGE || 'events');
    const services = flags.values.get('--service') ?? [];
    return withCliConnection(io.env, io.stderr, async (connection) => {
      const { names, unrecorded, optional } = await objectsOf(connection, exchange, services);
      const states = (await inspect(connection, names)).filter((s) => s.exists || !optional.has(s.name));
      if (action === 'describe') {
        io.stdout(
          `${flags.booleans.has('--json') ? JSON.stringify({ exchange, objects: states, unrecorded }, null, 2) : render(exchange, states, unrecorded)}\n`,
        );
        return 0;
      }
      if (!(await confirmDelete(io, exchange, states, flags.booleans.has('--yes')))) {
        io.stderr('not confirmed: nothing deleted\n');
        return 1;
      }
      const ch = await connection.createChannel();
      for (const s of states.filter((o) => o.exists && o.kind === 'queue')) await ch.deleteQueue(s.name);
      for (const s of states.filter((o) => o.exists && o.kind === 'exchange'))
        await ch.deleteExchange(s.name);
      await ch.close();
      const gone = states.filter((s) => s.exists);
      io.stdout(
        `deleted ${gone.filter((s) => s.kind === 'exchange').length} exchange(s) and ${gone.filter((s) => s.kind === 'queue').length} queue(s) of bus "${exchange}"\n`,
      );
      return 0;
    });
  },
};
