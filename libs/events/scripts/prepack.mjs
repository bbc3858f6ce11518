// Runs before `npm pack` / `npm publish` in libs/events: a clean build (no leftovers of removed
// modules, no build stamp) and the user documentation copied from the repository root, so the
// README's links to docs/ work inside the package too. postpack.mjs removes the copies.
import { execFileSync } from 'node:child_process';
import { cpSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const lib = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(lib, '../..');
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');

// build next to dist, then swap: a test or CLI run using dist meanwhile never sees it half-built
const fresh = join(lib, `dist.next-${process.pid}`); // same depth as dist, so source map paths stay right
rmSync(fresh, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [tsc, '-p', join(lib, 'tsconfig.lib.json'), '--outDir', fresh], {
    stdio: 'inherit',
  });
  rmSync(join(lib, 'dist'), { recursive: true, force: true });
  renameSync(fresh, join(lib, 'dist'));
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
cpSync(join(root, 'README.md'), join(lib, 'README.md'));
cpSync(join(root, 'docs'), join(lib, 'docs'), { recursive: true });
