import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../support/lib-build.js';
import { typecheckFiles } from '../types/typecheck-files.js';
import { extractTsBlocks, readTsBlocks, type DocBlock } from './doc-blocks.js';

const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Writes each block as a module of its own (`.mts`: outside the repository's program) and type-checks them. */
async function check(blocks: DocBlock[], dir: string): Promise<string[]> {
  const files = blocks.map((b) => {
    const path = join(dir, `${b.file.replace(/[/.]/g, '_')}_L${b.line}.mts`);
    writeFileSync(path, `// ${b.file}:${b.line}\n${b.code}\nexport {};\n`);
    return path;
  });
  return typecheckFiles(files, dir);
}

/**
 * Every TypeScript block of README.md and docs/*.md compiles against the library (through the
 * repository's path aliases), so the guides cannot drift from the API. A block opts out with
 * ```ts no-check. Blocks that augment EventMap get a program of their own.
 */
describe('TypeScript blocks in README.md and docs/', () => {
  const dir = join(ROOT, 'test/docs', `.blocks-${process.pid}`);
  const blocks = readTsBlocks(ROOT, DOCS);

  beforeAll(() => mkdirSync(dir, { recursive: true }));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the blocks, skipping ```ts no-check and other languages', () => {
    const sample =
      '```ts\nconst a = 1;\n```\n```ts no-check\nnope(\n```\n```bash\nnpm i\n```\n```typescript\nconst b = 2;\n```\n';
    expect(extractTsBlocks('x.md', sample).map((b) => [b.line, b.code])).toEqual([
      [1, 'const a = 1;'],
      [10, 'const b = 2;'],
    ]);
    expect(blocks.length).toBeGreaterThan(10);
  });

  it('type-check (the blocks that do not augment EventMap, in one program)', async () => {
    const plain = join(dir, 'plain');
    mkdirSync(plain, { recursive: true });
    expect(
      await check(
        blocks.filter((b) => !b.augments),
        plain,
      ),
    ).toEqual([]);
  }, 180_000);

  it('type-check (each block that augments EventMap, in a program of its own)', async () => {
    const augmenting = blocks.filter((b) => b.augments);
    const results = await Promise.all(
      augmenting.map((b, i) => {
        const own = join(dir, `augment-${i}`);
        mkdirSync(own, { recursive: true });
        return check([b], own);
      }),
    );
    expect(results.flat()).toEqual([]);
  }, 180_000);
});

describe('links in README.md and docs/', () => {
  it('point only at files that are in the repository', () => {
    const broken: string[] = [];
    for (const doc of DOCS) {
      const text = readFileSync(join(ROOT, doc), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
        const path = target.split('#')[0];
        if (!existsSync(join(ROOT, dirname(doc), path))) broken.push(`${doc} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
