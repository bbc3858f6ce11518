import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const RABBITMQ_BIN = '/usr/lib/rabbitmq/bin';

/** A free TCP port on loopback (the OS picks one; released before the node binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A RabbitMQ node of the test's own: own node name, ports, Erlang cookie, mnesia and log dirs. */
export interface PrivateNode {
  nodeName: string;
  /** Milliseconds from spawn until the rabbit application ran. */
  bootMs: number;
  rabbitmqctl(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export interface PrivateNodeConfig {
  /** Working directory (config, cookie home, mnesia, logs). */
  dir: string;
  /** rabbitmq.conf (sysctl format). */
  conf: string;
  /** advanced.config (Erlang terms), if any. */
  advanced?: string;
}

/**
 * Starts a private node with `RABBITMQ_*` variables (never the shared broker's settings) and waits until
 * the rabbit application runs. No plugins; the plain AMQP port is a free one even when the config turns
 * the TCP listener off.
 */
export async function startPrivateNode(cfg: PrivateNodeConfig): Promise<PrivateNode> {
  const nodeName = `nae-${randomBytes(4).toString('hex')}@localhost`;
  const home = join(cfg.dir, 'home');
  await mkdir(home, { recursive: true });
  await writeFile(join(cfg.dir, 'rabbitmq.conf'), cfg.conf);
  await writeFile(join(cfg.dir, 'advanced.config'), cfg.advanced ?? '[].\n');
  await writeFile(join(cfg.dir, 'enabled_plugins'), '[].\n');
  const [nodePort, distPort] = [await freePort(), await freePort()];
  const pidFile = join(cfg.dir, 'rabbit.pid');
  const env = {
    ...process.env,
    HOME: home,
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_PORT: String(nodePort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(cfg.dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(cfg.dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(cfg.dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(cfg.dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(cfg.dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: pidFile,
  };
  const ctl = async (...args: string[]): Promise<string> =>
    (await run(join(RABBITMQ_BIN, 'rabbitmqctl'), ['-n', nodeName, ...args], { env, timeout: 60_000 }))
      .stdout;
  const started = Date.now();
  const child: ChildProcess = spawn(join(RABBITMQ_BIN, 'rabbitmq-server'), [], {
    env: { ...env, ERL_CRASH_DUMP: join(cfg.dir, 'erl_crash.dump') },
    cwd: cfg.dir, // crash artefacts (MnesiaCore.*) stay in the node's directory
    stdio: 'ignore',
  });
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    // e.g. ENOENT when RabbitMQ is not installed where Debian puts it
    child.once('error', (e) => {
      spawnError = e;
      resolve();
    });
  });
  try {
    // waits for the pid file, the Erlang distribution and the rabbit application
    await ctl('wait', '--timeout', '60', pidFile);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(
      `private RabbitMQ node ${nodeName} did not start (logs in ${cfg.dir}/log): ${spawnError?.message ?? (e as Error).message}`,
      { cause: e },
    );
  }
  const bootMs = Date.now() - started;
  return {
    nodeName,
    bootMs,
    rabbitmqctl: ctl,
    async stop() {
      await ctl('shutdown').catch(() => child.kill('SIGKILL'));
      await exited;
    },
  };
}

/** A private node with a plain AMQP listener on a free port: for tests that stop or cut their broker. */
export interface PrivateBroker extends PrivateNode {
  /** amqp://guest:guest@127.0.0.1:{port} */
  uri: string;
  /** Stops the node (also when its app is stopped) and removes its directory. */
  dispose(): Promise<void>;
}

/**
 * Starts a node of the test's own, so a test may `stop_app` or `close_all_connections` without
 * touching the shared broker that other test files (possibly running at the same time) use.
 */
export async function startPrivateBroker(prefix = 'events-node-'): Promise<PrivateBroker> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const port = await freePort();
  try {
    const node = await startPrivateNode({
      dir,
      conf: `listeners.tcp.default = 127.0.0.1:${port}\nloopback_users = none\n`,
    });
    return {
      ...node,
      uri: `amqp://guest:guest@127.0.0.1:${port}`,
      async dispose() {
        await node.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
