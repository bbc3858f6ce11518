// The peers the benchmark runs next to the library (@golevelup/nestjs-rabbitmq, Nest's RMQ transport)
// live in bench/peers/ with their own package.json and lock (Nest 11 there), so the project's own
// dependencies stay as they are. Installed on first use with `npm ci` inside that folder only.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PEER_SIDES = ['golevelup', 'nestrmq'];
const dir = fileURLToPath(new URL('./peers/', import.meta.url));

/** Installs bench/peers/node_modules from its lock when a peer is missing. */
export function ensurePeers(log) {
  const needed = ['@golevelup/nestjs-rabbitmq', '@nestjs/microservices', '@nestjs/core'];
  if (needed.every((p) => existsSync(`${dir}node_modules/${p}/package.json`))) return;
  log('installing the benchmark peers into bench/peers/node_modules (npm ci, first use only)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
}

/** Versions of the peers, for the report. */
export function peerVersions() {
  const v = (p) => {
    try {
      return JSON.parse(execFileSync(process.execPath, ['-p', `JSON.stringify(require('${p}/package.json').version)`], { cwd: dir, encoding: 'utf8' }));
    } catch {
      return 'unknown';
    }
  };
  return { golevelup: v('@golevelup/nestjs-rabbitmq'), nestMicroservices: v('@nestjs/microservices'), nestCore: v('@nestjs/core') };
}
