#!/usr/bin/env node
// Makes sure RabbitMQ and PostgreSQL answer before the test suites run (called by `npm test`'s pretest).
// Fast path (both already up): two TCP connects and one psql query.
// If a service is down and a local server is installed, it is started; otherwise we exit 1 with a hint.
// Only Node builtins are used.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { delimiter, join } from 'node:path';

const AMQP_URL = process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672';
const PGHOST = process.env.PGHOST || '127.0.0.1';
const PGPORT = Number(process.env.PGPORT || 5432);
const PGUSER = process.env.PGUSER || 'postgres';
const PGDATABASE = process.env.PGDATABASE || 'test';
const START_TIMEOUT_MS = Number(process.env.ENSURE_SERVICES_TIMEOUT_MS || 60_000);

const HINT =
  'Start the services with `docker compose up -d` (docker-compose.yml at the repo root), or install them ' +
  'locally (Debian/Ubuntu: `apt-get install rabbitmq-server postgresql`).';

function parseAmqp(url) {
  try {
    const u = new URL(url);
    const port = u.port ? Number(u.port) : u.protocol === 'amqps:' ? 5671 : 5672;
    return { host: u.hostname || '127.0.0.1', port };
  } catch {
    return { host: '127.0.0.1', port: 5672 };
  }
}

function tcpCheck(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForPort(host, port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await tcpCheck(host, port)) return true;
    await sleep(500);
  }
  return false;
}

function which(cmd) {
  const dirs = (process.env.PATH || '')
    .split(delimiter)
    .concat(['/usr/sbin', '/usr/bin', '/sbin', '/usr/local/sbin']);
  for (const dir of dirs) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return null;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  return {
    ok: r.status === 0,
    status: r.status,
    out: (r.stdout || '').trim(),
    err: (r.stderr || r.error?.message || '').trim(),
  };
}

const isLocal = (host) => ['127.0.0.1', 'localhost', '::1', ''].includes(host);

async function ensureRabbit() {
  const { host, port } = parseAmqp(AMQP_URL);
  const where = `${host}:${port}`;
  if (await tcpCheck(host, port)) {
    console.log(`rabbitmq: OK (${where})`);
    return true;
  }
  const server = which('rabbitmq-server');
  if (!isLocal(host) || !server) {
    const why = isLocal(host) ? 'no local rabbitmq-server installed' : 'remote host, not starting anything';
    console.error(`rabbitmq: NOT RUNNING on ${where} (${why}). ${HINT}`);
    return false;
  }
  console.log(`rabbitmq: not answering on ${where}, starting local server...`);
  const started = run(server, ['-detached'], { timeout: 30_000 });
  if (!started.ok)
    console.error(
      `rabbitmq: rabbitmq-server -detached exited ${started.status}: ${started.err || started.out}`,
    );
  const t0 = Date.now();
  if (!(await waitForPort(host, port, START_TIMEOUT_MS))) {
    console.error(
      `rabbitmq: started but port ${port} did not open within ${START_TIMEOUT_MS / 1000}s. ${HINT}`,
    );
    return false;
  }
  const ctl = which('rabbitmqctl');
  if (ctl) {
    const left = Math.max(5_000, START_TIMEOUT_MS - (Date.now() - t0));
    const r = run(ctl, ['await_startup', '--timeout', String(Math.ceil(left / 1000))], {
      timeout: left + 5_000,
    });
    if (!r.ok) {
      console.error(`rabbitmq: rabbitmqctl await_startup failed: ${r.err || r.out}`);
      return false;
    }
  }
  console.log(`rabbitmq: OK (${where}, started in ${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  return true;
}

function pgVersions() {
  try {
    return readdirSync('/etc/postgresql')
      .filter((v) => existsSync(`/etc/postgresql/${v}/main`))
      .sort((a, b) => Number(b) - Number(a));
  } catch {
    return [];
  }
}

async function ensureTestDb(retries = 0) {
  const psql = which('psql');
  if (!psql) return 'database check skipped (no psql)';
  const base = ['-h', PGHOST, '-p', String(PGPORT), '-U', PGUSER, '-d', 'postgres', '-w', '-tAc'];
  const env = { ...process.env, PGCONNECT_TIMEOUT: '5' };
  const name = PGDATABASE.replace(/'/g, "''");
  const sql = `SELECT 1 FROM pg_database WHERE datname = '${name}'`;
  let q = run(psql, [...base, sql], { env, timeout: 10_000 });
  // A cluster that was just started may open its port before it accepts queries ("starting up").
  for (let i = 0; !q.ok && i < retries; i++) {
    await sleep(500);
    q = run(psql, [...base, sql], { env, timeout: 10_000 });
  }
  if (!q.ok) return `could not query databases: ${q.err || q.out}`;
  if (q.out === '1') return `db "${PGDATABASE}" present`;
  const c = run(psql, [...base, `CREATE DATABASE "${PGDATABASE.replace(/"/g, '""')}"`], {
    env,
    timeout: 10_000,
  });
  return c.ok ? `db "${PGDATABASE}" created` : `could not create db "${PGDATABASE}": ${c.err || c.out}`;
}

async function ensurePostgres() {
  const where = `${PGHOST}:${PGPORT}`;
  let startedMsg = '';
  if (!(await tcpCheck(PGHOST, PGPORT))) {
    const ctl = which('pg_ctlcluster');
    const versions = pgVersions();
    if (!isLocal(PGHOST) || !ctl || versions.length === 0) {
      const why = isLocal(PGHOST)
        ? 'no local PostgreSQL cluster installed'
        : 'remote host, not starting anything';
      console.error(`postgres: NOT RUNNING on ${where} (${why}). ${HINT}`);
      return false;
    }
    const version = versions[0];
    console.log(`postgres: not answering on ${where}, starting cluster ${version}/main...`);
    const t0 = Date.now();
    const r = run(ctl, ['--skip-systemctl-redirect', version, 'main', 'start'], {
      timeout: START_TIMEOUT_MS,
    });
    if (!r.ok) console.error(`postgres: pg_ctlcluster exited ${r.status}: ${r.err || r.out}`);
    if (!(await waitForPort(PGHOST, PGPORT, START_TIMEOUT_MS))) {
      console.error(`postgres: port ${PGPORT} did not open within ${START_TIMEOUT_MS / 1000}s. ${HINT}`);
      return false;
    }
    startedMsg = `, started in ${((Date.now() - t0) / 1000).toFixed(1)}s`;
  }
  console.log(`postgres: OK (${where}${startedMsg}; ${await ensureTestDb(startedMsg ? 40 : 0)})`);
  return true;
}

const [rabbitOk, pgOk] = await Promise.all([ensureRabbit(), ensurePostgres()]);
process.exit(rabbitOk && pgOk ? 0 : 1);
