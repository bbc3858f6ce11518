import { execFile } from 'node:child_process';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A RabbitMQ node of the test's own (own name, ports and data), for faults the shared broker must not see. */
export interface PrivateNode {
  readonly name: string;
  readonly uri: string;
  /** `rabbitmqctl -n <node> <args>`. */
  ctl(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts a single RabbitMQ node on `port` (distribution port `port + 20000`), with no plugins, data
 * and logs in a temporary folder, and waits until it accepts connections. The Debian wrapper runs
 * it as the rabbitmq user, so the folder is made writable for that user.
 */
export async function startPrivateNode(label: string, port: number): Promise<PrivateNode> {
  const name = `${label}@localhost`;
  const base = join(tmpdir(), `nae-node-${label}`);
  await rm(base, { recursive: true, force: true });
  await mkdir(join(base, 'mnesia'), { recursive: true });
  await mkdir(join(base, 'log'), { recursive: true });
  await writeFile(
    join(base, 'rabbitmq.conf'),
    `listeners.tcp.default = 127.0.0.1:${port}\nloopback_users = none\n`,
  );
  await writeFile(join(base, 'enabled_plugins'), '[].\n');
  for (const p of [base, join(base, 'mnesia'), join(base, 'log')]) await chmod(p, 0o777);
  const env = {
    ...process.env,
    RABBITMQ_NODENAME: name,
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(port + 20_000),
    RABBITMQ_MNESIA_BASE: join(base, 'mnesia'),
    RABBITMQ_LOG_BASE: join(base, 'log'),
    RABBITMQ_CONFIG_FILE: join(base, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(base, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(base, 'pid'),
  };
  const ctl = async (...args: string[]) =>
    (await run('rabbitmqctl', ['-n', name, ...args], { timeout: 60_000 })).stdout;
  // a node of an earlier run that was not stopped answers on the same name: stop it first
  await ctl('stop').catch(() => undefined);
  await run('rabbitmq-server', ['-detached'], { env, timeout: 60_000 });
  // `wait` waits for the pid file, then for the node to boot (await_startup fails at once before then)
  await ctl('wait', join(base, 'pid'), '--timeout', '60');
  return {
    name,
    uri: `amqp://guest:guest@127.0.0.1:${port}`,
    ctl,
    async stop() {
      await ctl('stop').catch(() => undefined);
      await rm(base, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
