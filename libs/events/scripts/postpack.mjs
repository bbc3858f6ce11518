// Removes what prepack.mjs copied from the repository root (README.md, docs/); they live at the root.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const lib = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(lib, 'README.md'), { force: true });
rmSync(join(lib, 'docs'), { recursive: true, force: true });
