import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'libs/events/src');
const DIST = join(ROOT, 'libs/events/dist');
const STAMP = join(DIST, '.build-stamp');
const LOCK = join(
  tmpdir(),
  `nestjs-amqp-events-lib-build-${Buffer.from(ROOT).toString('hex').slice(-16)}.lock`,
);

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts'))
      newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

async function withLock<T>(work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // another test file builds right now (or a stale lock from a killed run)
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (Date.now() > deadline || age > 60_000) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Compiles the library to libs/events/dist (what `npm run build:lib` does) unless dist is newer than
 * every source file, so child processes can run it as a user would (`import 'nestjs-amqp-events'`, the CLI).
 */
export async function ensureLibBuilt(): Promise<void> {
  await withLock(async () => {
    if (existsSync(STAMP) && statSync(STAMP).mtimeMs >= newestSource(SRC)) return;
    const started = Date.now();
    try {
      await run(
        process.execPath,
        [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'libs/events/tsconfig.lib.json'],
        { cwd: ROOT },
      );
    } catch (e) {
      // tsc still emits on type errors (someone's work in progress); fail only when nothing usable came out
      if (!existsSync(join(DIST, 'index.js')) || !existsSync(join(DIST, 'cli/main.js'))) throw e;
      process.stderr.write(
        `library build reported errors; using the emitted output:\n${(e as { stdout?: string }).stdout ?? ''}\n`,
      );
    }
    writeFileSync(STAMP, new Date(started).toISOString());
  });
}
