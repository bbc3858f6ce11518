import { DeadLetterOps } from '../dead-letter/dead-letter-ops.js';
import { handlerQueueOf } from '../dead-letter/dead-letter.mapper.js';
import { withCliConnection } from './amqp-cli-connection.js';
import { parseCliArgs, USAGE, type DlqCommand } from './cli-args.js';
import type { CliCommandModule } from './cli-command.js';
import { deadLetterDetails, deadLetterTable } from './dead-letter.table.js';
import { readServiceTopology } from '../amqp/service-topology.registry.js';

export interface CommandOutput {
  /** Text for stdout. */
  text: string;
  /** 0 done, 1 something asked for was not found. */
  exitCode: 0 | 1;
}

function notFound(asked: string[], found: string[]): string[] {
  const got = new Set(found);
  return [...new Set(asked)].filter((id) => !got.has(id));
}

function out(cmd: DlqCommand, json: unknown, text: string, missing: string[] = []): CommandOutput {
  const lines = cmd.json
    ? JSON.stringify(json, null, 2)
    : missing.length > 0
      ? `${text}\nnot found: ${missing.join(', ')}`
      : text;
  return { text: lines, exitCode: missing.length > 0 ? 1 : 0 };
}

/** `dlq list --service S`: every DLQ of the service (from its recorded topology) with its count. */
export async function listServiceDeadLetterQueues(
  cmd: DlqCommand & { service: string },
  ops: DeadLetterOps,
  record: { queues: string[]; recordedAt: string } | undefined,
): Promise<CommandOutput> {
  if (!record) {
    return {
      text: `service "${cmd.service}" has not recorded its topology on exchange "${cmd.exchange}" (is it running, with this --exchange?); use --queue`,
      exitCode: 1,
    };
  }
  const counts: Array<{ queue: string; dlq: string; count: number }> = [];
  for (const queue of record.queues)
    counts.push({ queue, dlq: `${queue}.dlq`, count: await ops.count(queue).catch(() => 0) });
  const total = counts.reduce((n, c) => n + c.count, 0);
  const width = Math.max(...counts.map((c) => c.dlq.length), 3);
  const text = [
    `${cmd.service}: ${total} dead letter(s) in ${counts.length} dead-letter queue(s) (topology recorded ${record.recordedAt})`,
    '',
    `${'DLQ'.padEnd(width)}  COUNT`,
    ...counts.map((c) => `${c.dlq.padEnd(width)}  ${c.count}`),
  ].join('\n');
  return out(cmd, { service: cmd.service, total, queues: counts }, text);
}

/** Runs one `dlq` action against the broker and renders its result (table/text, or JSON). */
export async function runDlqCommand(
  cmd: DlqCommand & { queue: string },
  ops: DeadLetterOps,
): Promise<CommandOutput> {
  const queue = handlerQueueOf(cmd.queue);
  const dlq = `${queue}.dlq`;
  switch (cmd.action) {
    case 'list': {
      const count = await ops.count(queue);
      const letters = await ops.list(queue, cmd.limit);
      const text =
        letters.length === 0
          ? `no dead letters in ${dlq}`
          : `${dlq}: ${count} dead letter(s)${letters.length < count ? `, showing the oldest ${letters.length}` : ''}\n\n${deadLetterTable(letters)}`;
      return out(cmd, { queue, count, letters }, text);
    }
    case 'show': {
      const letters = await ops.find(queue, cmd.ids);
      const missing = notFound(
        cmd.ids,
        letters.map((l) => l.id ?? ''),
      );
      const text =
        letters.map(deadLetterDetails).join(`\n\n${'='.repeat(60)}\n\n`) ||
        `no matching dead letters in ${dlq}`;
      return out(cmd, { queue, letters, notFound: missing }, text, missing);
    }
    case 'replay': {
      const replayed = await ops.replay(queue, cmd.all ? undefined : cmd.ids);
      const missing = cmd.all ? [] : notFound(cmd.ids, replayed);
      const text = `replayed ${replayed.length} dead letter(s) to ${queue}${replayed.length > 0 ? `: ${replayed.join(', ')}` : ''}`;
      return out(cmd, { queue, replayed, notFound: missing }, text, missing);
    }
    case 'purge': {
      if (cmd.all) {
        const purged = await ops.purge(queue);
        return out(cmd, { queue, purged }, `purged ${purged} dead letter(s) from ${dlq}`);
      }
      const removed = await ops.discard(queue, cmd.ids);
      const missing = notFound(cmd.ids, removed);
      return out(
        cmd,
        { queue, purged: removed.length, removed, notFound: missing },
        `purged ${removed.length} dead letter(s) from ${dlq}`,
        missing,
      );
    }
  }
}

/** `nestjs-amqp-events dlq ...`. */
export const dlqCommand: CliCommandModule = {
  name: 'dlq',
  summary: 'list, show, replay and purge dead letters',
  usage: USAGE,
  async run(argv, io) {
    const cmd = parseCliArgs(['dlq', ...argv], io.env);
    if (cmd.command === 'help') {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    return withCliConnection(io.env, io.stderr, async (connection) => {
      const ops = new DeadLetterOps(connection, cmd.exchange);
      const result =
        cmd.queue !== undefined
          ? await runDlqCommand({ ...cmd, queue: cmd.queue }, ops)
          : await listServiceDeadLetterQueues(
              { ...cmd, service: cmd.service ?? '' },
              ops,
              await readServiceTopology(connection, cmd.exchange, cmd.service ?? ''),
            );
      io.stdout(`${result.text}\n`);
      return result.exitCode;
    });
  },
};
