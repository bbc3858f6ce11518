// Runs before `npm pack` / `npm publish` in libs/events: a clean build (no leftovers of removed
// modules, no build stamp) and the user documentation copied from the repository root, so the
// README's links to docs/ work inside the package too. postpack.mjs removes the copies.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const lib = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(lib, '../..');
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');

rmSync(join(lib, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(lib, 'tsconfig.lib.json')], { stdio: 'inherit' });
cpSync(join(root, 'README.md'), join(lib, 'README.md'));
cpSync(join(root, 'docs'), join(lib, 'docs'), { recursive: true });
