import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '../../..');
const SRC = join(ROOT, 'libs/events/src');
const BUILT = join(ROOT, 'libs/events/dist/index.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt(): number {
  try {
    return statSync(BUILT).mtimeMs;
  } catch {
    return 0;
  }
}

/** Builds libs/events/dist (for child processes that import the library as plain JS) when it is stale. */
export async function ensureLibraryBuilt(): Promise<void> {
  if (builtAt() >= newestSource(SRC)) return;
  await promisify(execFile)('npx', ['tsc', '-p', 'libs/events/tsconfig.lib.json'], {
    cwd: ROOT,
    timeout: 120_000,
  }).catch((e: { stdout?: string }) => {
    // tsc still emits on type errors elsewhere in the tree; only a missing build is fatal
    if (builtAt() === 0) throw new Error(`building the library failed: ${e.stdout ?? e}`);
  });
}
