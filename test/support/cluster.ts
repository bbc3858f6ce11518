import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../scripts/rabbit-cluster.mjs', import.meta.url));

/** The local 3-node cluster of scripts/rabbit-cluster.mjs (nodes evc1..3@localhost, AMQP 5681..5683). */
export interface ClusterNode {
  name: string;
  uri: string;
}

async function cluster(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [SCRIPT, ...args], { timeout: 180_000 });
    return stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`rabbit-cluster ${args.join(' ')} failed: ${err.stderr ?? ''}${err.message}`, {
      cause: e,
    });
  }
}

/** Starts the cluster (or reuses the running one); resolves with its nodes and how long it took. */
export async function startCluster(): Promise<{ startedInMs: number; nodes: ClusterNode[] }> {
  return JSON.parse(await cluster('start')) as { startedInMs: number; nodes: ClusterNode[] };
}

/** Stops every node and wipes their data. */
export async function stopCluster(): Promise<void> {
  await cluster('stop');
}

/** kill -9 of the node's VM. `node`: 1..3 or its name. */
export async function killNode(node: string | number): Promise<void> {
  await cluster('kill', String(node));
}

/** Starts the node again and waits until it accepts work; resolves with how long it took. */
export async function restartNode(node: string | number): Promise<number> {
  return (JSON.parse(await cluster('restart', String(node))) as { inMs: number }).inMs;
}

/** SIGSTOP / SIGCONT of the node's VM. */
export async function freezeNode(node: string | number): Promise<void> {
  await cluster('freeze', String(node));
}
export async function thawNode(node: string | number): Promise<void> {
  await cluster('thaw', String(node));
}

/** rabbitmqctl against one node of the cluster. */
export function clusterCtl(node: string | number, ...args: string[]): Promise<string> {
  return cluster('ctl', String(node), ...args);
}

/** The node leading a quorum queue (asked of `via`, a live node). */
export async function queueLeader(queue: string, via: string | number = 1): Promise<string | undefined> {
  const rows = JSON.parse(
    await clusterCtl(via, 'list_queues', '-q', '--formatter', 'json', 'name', 'leader'),
  ) as Array<{ name: string; leader?: string }>;
  return rows.find((r) => r.name === queue)?.leader;
}

/** Ready + unacknowledged messages of the named queues (asked of `via`). */
export async function clusterQueueDepths(
  via: string | number,
  filter: (name: string) => boolean,
): Promise<Record<string, number>> {
  const rows = JSON.parse(
    await clusterCtl(via, 'list_queues', '-q', '--formatter', 'json', 'name', 'messages'),
  ) as Array<{ name: string; messages?: number }>;
  return Object.fromEntries(rows.filter((r) => filter(r.name)).map((r) => [r.name, r.messages ?? 0]));
}
