import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../support/lib-build.js';

const run = promisify(execFile);

/**
 * Type-checks `files` (absolute paths, typically `.mts` kept out of the repository's own program) with
 * the repository's compiler options and `nestjs-amqp-events` path aliases, in a program of their own,
 * so a file's `declare module` augmentations stay in it. Returns the diagnostics reported in `files`
 * (errors inside the library's sources, e.g. caused by an augmentation, are not theirs to report).
 */
export async function typecheckFiles(files: string[], configDir: string): Promise<string[]> {
  const config = join(configDir, `tsconfig.check-${process.pid}-${Date.now()}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      extends: relative(configDir, join(ROOT, 'tsconfig.json')),
      compilerOptions: { noEmit: true, rootDir: relative(configDir, ROOT) || '.', incremental: false },
      include: [],
      files: files.map((f) => relative(configDir, f)),
    }),
  );
  let output = '';
  try {
    await run(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', config, '--pretty', 'false'],
      { cwd: ROOT, maxBuffer: 1 << 26 },
    );
  } catch (e) {
    output = (e as { stdout?: string }).stdout ?? String(e);
  } finally {
    rmSync(config, { force: true });
  }
  const mine = files.map((f) => relative(ROOT, f));
  return output
    .split('\n')
    .filter((line) => /error TS\d+/.test(line) || /^\s/.test(line))
    .filter((line, i, all) => {
      const head = /error TS\d+/.test(line)
        ? line
        : (all
            .slice(0, i)
            .reverse()
            .find((l) => /error TS\d+/.test(l)) ?? '');
      return mine.some((m) => head.startsWith(m)) || !/\(\d+,\d+\)/.test(head);
    });
}
