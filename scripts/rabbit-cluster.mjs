#!/usr/bin/env node
/**
 * A local 3-node RabbitMQ cluster for fault tests, beside (never touching) the shared broker.
 *
 *   node scripts/rabbit-cluster.mjs start            boots the nodes in parallel, then joins 2 and 3 to 1
 *                                                    (reuses whatever already runs: idempotent)
 *   node scripts/rabbit-cluster.mjs stop [--keep]    stops every node and wipes the data (--keep: keep it)
 *   node scripts/rabbit-cluster.mjs status           JSON: nodes, ports, pids, running/frozen, cluster members
 *   node scripts/rabbit-cluster.mjs kill NODE        SIGKILL of the node's Erlang VM (NODE: 1..3 or evc1@localhost)
 *   node scripts/rabbit-cluster.mjs restart NODE     starts a killed or stopped node again and waits for it
 *   node scripts/rabbit-cluster.mjs freeze NODE      SIGSTOP of the node's Erlang VM
 *   node scripts/rabbit-cluster.mjs thaw NODE        SIGCONT
 *   node scripts/rabbit-cluster.mjs ctl NODE ARGS..  rabbitmqctl against that node (own cookie)
 *
 * Nodes evc1..3@localhost, AMQP ports 5681..5683, distribution ports 25681..25683, no plugins, data and
 * logs under /tmp/nae-cluster (NAE_CLUSTER_DIR), an Erlang cookie of their own (HOME of the nodes and of
 * rabbitmqctl is $dir/home). NAE_CLUSTER_PORT moves the ports (AMQP base; distribution = base + 20000),
 * NAE_CLUSTER_PREFIX the node names, so two clusters can run side by side.
 * Runs the Debian RabbitMQ 3.10 scripts directly (/usr/lib/rabbitmq/bin), as the current user.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = process.env.NAE_RABBIT_BIN ?? '/usr/lib/rabbitmq/bin';
const DIR = process.env.NAE_CLUSTER_DIR ?? '/tmp/nae-cluster';
const PORT = Number(process.env.NAE_CLUSTER_PORT ?? 5681);
const PREFIX = process.env.NAE_CLUSTER_PREFIX ?? 'evc';
const SIZE = 3;
const BOOT_TIMEOUT_MS = 90_000;
const NET_TICKTIME_S = Number(process.env.NAE_CLUSTER_NET_TICKTIME ?? 10);
const DLX_CONFIRM_TIMEOUT_MS = Number(process.env.NAE_CLUSTER_DLX_CONFIRM_TIMEOUT_MS ?? 5000);

/** The nodes of the cluster, as data. */
export function nodes() {
  return Array.from({ length: SIZE }, (_, i) => {
    const short = `${PREFIX}${i + 1}`;
    return {
      index: i + 1,
      name: `${short}@localhost`,
      port: PORT + i,
      distPort: PORT + 20000 + i,
      dir: join(DIR, short),
      uri: `amqp://guest:guest@127.0.0.1:${PORT + i}`,
    };
  });
}

/** One node by 1-based index, short name or full name. */
export function node(which) {
  const all = nodes();
  const n = all.find(
    (x) => String(x.index) === String(which) || x.name === which || x.name.split('@')[0] === which,
  );
  if (!n)
    throw new Error(`unknown node "${which}" (one of ${all.map((x) => x.name).join(', ')}, or 1..${SIZE})`);
  return n;
}

const home = () => join(DIR, 'home');

function ensureFiles() {
  mkdirSync(home(), { recursive: true });
  const cookie = join(home(), '.erlang.cookie');
  if (!existsSync(cookie))
    writeFileSync(cookie, randomBytes(20).toString('hex').toUpperCase(), { mode: 0o400 });
  writeFileSync(join(DIR, 'enabled_plugins'), '[].\n');
  writeFileSync(join(DIR, 'rabbitmq-env.conf'), 'ERL_EPMD_ADDRESS=127.0.0.1\n');
  for (const n of nodes()) {
    mkdirSync(join(n.dir, 'log'), { recursive: true });
    mkdirSync(join(n.dir, 'mnesia'), { recursive: true });
    writeFileSync(
      join(n.dir, 'rabbitmq.conf'),
      [
        `listeners.tcp.1 = 127.0.0.1:${n.port}`,
        'loopback_users = none',
        'log.console = false',
        'log.file.level = info',
        // after a partition (a node frozen longer than net_ticktime) the losing side restarts and rejoins
        'cluster_partition_handling = autoheal',
        '',
      ].join('\n'),
    );
    // - a frozen node is declared down after 10 s (±25 %) instead of 60 s: metadata changes (a new
    //   exchange, queue or binding) wait for every running node, so this bounds how long they block;
    // - at-least-once dead-lettering re-sends a message whose target did not confirm it after 5 s instead
    //   of 180 s (the 3.10 default): a delay level's copy caught by a leader failover moves on in seconds
    writeFileSync(
      join(n.dir, 'advanced.config'),
      `[{kernel, [{net_ticktime, ${NET_TICKTIME_S}}]},\n` +
        ` {rabbit, [{dead_letter_worker_publisher_confirm_timeout, ${DLX_CONFIRM_TIMEOUT_MS}}]}].\n`,
    );
  }
}

/** Environment of a node's server and of rabbitmqctl: own cookie, files, ports. */
function env(n) {
  return {
    ...process.env,
    HOME: home(),
    RABBITMQ_NODENAME: n.name,
    RABBITMQ_NODE_PORT: String(n.port),
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_DIST_PORT: String(n.distPort),
    RABBITMQ_MNESIA_BASE: join(n.dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(n.dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(n.dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(n.dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(DIR, 'enabled_plugins'),
    RABBITMQ_PLUGINS_EXPAND_DIR: join(n.dir, 'plugins-expand'),
    RABBITMQ_PID_FILE: join(n.dir, 'pid'),
    RABBITMQ_CONF_ENV_FILE: join(DIR, 'rabbitmq-env.conf'),
    ERL_FLAGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    // two schedulers at most: the machine is shared
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '+S 2:2 +sbwt none +sbwtdcpu none +sbwtdio none',
  };
}

/** rabbitmqctl against node `n`; resolves with stdout. */
export async function ctl(n, args, timeoutMs = 60_000) {
  const { stdout } = await run(join(BIN, 'rabbitmqctl'), ['-n', n.name, ...args], {
    env: env(n),
    timeout: timeoutMs,
  });
  return stdout;
}

/** The pid of the node's Erlang VM, when it runs (alive, possibly frozen). */
function pidOf(n) {
  try {
    const pid = Number(readFileSync(join(n.dir, 'pid'), 'utf8').trim());
    if (!pid) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

function frozen(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
  } catch {
    return false;
  }
}

async function ping(n) {
  try {
    await ctl(n, ['ping'], 15_000);
    return true;
  } catch {
    return false;
  }
}

/** Starts the node's server in the background (unless its VM runs); resolves when it accepts work. */
async function boot(n) {
  if (!pidOf(n)) {
    rmSync(join(n.dir, 'pid'), { force: true });
    const out = openSync(join(n.dir, 'log', 'server.out'), 'a');
    const child = spawn(join(BIN, 'rabbitmq-server'), [], {
      env: { ...env(n), ERL_CRASH_DUMP: join(n.dir, 'log', 'erl_crash.dump') },
      cwd: n.dir, // a node that fails to start writes MnesiaCore.* into its working directory
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.unref();
  }
  await ctl(
    n,
    ['wait', '--timeout', String(BOOT_TIMEOUT_MS / 1000), join(n.dir, 'pid')],
    BOOT_TIMEOUT_MS + 5000,
  );
  await ctl(n, ['await_startup', '--timeout', String(BOOT_TIMEOUT_MS / 1000)], BOOT_TIMEOUT_MS + 5000);
}

async function runningMembers(n) {
  const status = JSON.parse(await ctl(n, ['cluster_status', '--formatter', 'json'], 30_000));
  return { running: status.running_nodes ?? [], disk: status.disk_nodes ?? [] };
}

/** Boots every node (in parallel), then joins the others to the first; reuses what runs. */
export async function start() {
  const began = Date.now();
  ensureFiles();
  const all = nodes();
  await Promise.all(all.map((n) => boot(n)));
  const [first, ...others] = all;
  const { disk } = await runningMembers(first);
  for (const n of others) {
    if (disk.includes(n.name)) continue;
    await ctl(n, ['stop_app']);
    await ctl(n, ['reset']);
    await ctl(n, ['join_cluster', first.name]);
    await ctl(n, ['start_app']);
  }
  await ctl(first, ['await_online_nodes', String(SIZE)]);
  return { startedInMs: Date.now() - began, nodes: all.map(({ name, uri }) => ({ name, uri })) };
}

/** Stops every node (thawing frozen ones first, killing those that do not stop); wipes the data unless `keep`. */
export async function stop(keep = false) {
  await Promise.all(
    nodes().map(async (n) => {
      const pid = pidOf(n);
      if (!pid) return;
      if (frozen(pid)) process.kill(pid, 'SIGCONT');
      try {
        await ctl(n, ['stop', join(n.dir, 'pid')], 60_000);
      } catch {
        if (pidOf(n)) process.kill(pid, 'SIGKILL');
      }
    }),
  );
  if (!keep) for (const n of nodes()) rmSync(n.dir, { recursive: true, force: true });
}

export async function status() {
  const all = nodes();
  const states = all.map((n) => {
    const pid = pidOf(n);
    return {
      name: n.name,
      uri: n.uri,
      port: n.port,
      pid,
      running: pid !== undefined,
      frozen: pid ? frozen(pid) : false,
    };
  });
  const live = all.find((n, i) => states[i].running && !states[i].frozen);
  let members;
  if (live) members = await runningMembers(live).catch(() => undefined);
  return { nodes: states, clusterRunningNodes: members?.running, clusterDiskNodes: members?.disk };
}

export function kill(which) {
  const n = node(which);
  const pid = pidOf(n);
  if (!pid) throw new Error(`${n.name} does not run`);
  process.kill(pid, 'SIGKILL');
  return { killed: n.name, pid };
}

export async function restart(which) {
  const n = node(which);
  const began = Date.now();
  const pid = pidOf(n);
  if (pid && frozen(pid)) process.kill(pid, 'SIGCONT');
  if (pid && !(await ping(n))) {
    process.kill(pid, 'SIGKILL');
    await waitGone(pid);
  }
  await boot(n);
  return { restarted: n.name, inMs: Date.now() - began };
}

export function freeze(which) {
  const n = node(which);
  const pid = pidOf(n);
  if (!pid) throw new Error(`${n.name} does not run`);
  process.kill(pid, 'SIGSTOP');
  return { frozen: n.name, pid };
}

export function thaw(which) {
  const n = node(which);
  const pid = pidOf(n);
  if (!pid) throw new Error(`${n.name} does not run`);
  process.kill(pid, 'SIGCONT');
  return { thawed: n.name, pid };
}

async function waitGone(pid) {
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(argv) {
  const [cmd, arg, ...rest] = argv;
  const print = (v) => process.stdout.write(`${JSON.stringify(v)}\n`);
  switch (cmd) {
    case 'start':
      return print(await start());
    case 'stop':
      await stop(arg === '--keep');
      return print({ stopped: nodes().map((n) => n.name) });
    case 'status':
      return print(await status());
    case 'kill':
      return print(kill(arg));
    case 'restart':
      return print(await restart(arg));
    case 'freeze':
      return print(freeze(arg));
    case 'thaw':
      return print(thaw(arg));
    case 'ctl':
      return process.stdout.write(await ctl(node(arg), rest));
    default:
      throw new Error(
        'usage: rabbit-cluster.mjs start | stop [--keep] | status | kill|restart|freeze|thaw NODE | ctl NODE ARGS...',
      );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${e.stderr ?? ''}${e.message}\n`);
    process.exit(1);
  });
}
