import { spawn, type ChildProcess } from 'node:child_process';
import { AMQP_URL } from '../../support/broker.js';
import { ROOT } from '../../support/lib-build.js';

/** A child node process whose stdout lines are JSON records (or plain text). */
export interface Child {
  proc: ChildProcess;
  records: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

/** Spawns `node <script> ...args` from the repo root, with AMQP_URL set; stderr is echoed when TEST_LOGS is set. */
export function spawnNode(script: string, args: string[] = [], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', AMQP_URL, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const records: Array<Record<string, unknown>> = [];
  let partial = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        records.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // plain text line
      }
    }
  });
  proc.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    if (process.env.TEST_LOGS) process.stderr.write(chunk);
  });
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return { proc, records, exited, stdout: () => out, stderr: () => err };
}

/** Runs a command to completion: exit code, stdout and stderr. */
export async function runNode(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const c = spawnNode(script, args, env);
  const code = await c.exited;
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}
