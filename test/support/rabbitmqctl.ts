import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs `rabbitmqctl <args>` against the shared local node; rejects with its output on failure. Only for
 * looking: tests that stop a broker or cut connections run a node of their own (support/private-node).
 */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: 60_000 });
  return stdout;
}
