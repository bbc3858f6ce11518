import type { DeadLetterOps } from '../dead-letter/dead-letter-ops.js';
import { handlerQueueOf } from '../dead-letter/dead-letter.mapper.js';
import type { DlqCommand } from './cli-args.js';
import { deadLetterDetails, deadLetterTable } from './dead-letter.table.js';

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

/** Runs one `dlq` action against the broker and renders its result (table/text, or JSON). */
export async function runDlqCommand(cmd: DlqCommand, ops: DeadLetterOps): Promise<CommandOutput> {
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
