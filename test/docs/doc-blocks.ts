import { readFileSync } from 'node:fs';

/** A fenced TypeScript block of a Markdown file. */
export interface DocBlock {
  /** Markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** The block declares `declare module 'nestjs-amqp-events'` augmentations: it needs a program of its own. */
  augments: boolean;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)(.*)$/;

/**
 * The ```ts / ```typescript blocks of a Markdown text, except those whose info string contains
 * `no-check` (```ts no-check): illustrations that are not meant to compile on their own.
 */
export function extractTsBlocks(file: string, text: string): DocBlock[] {
  const blocks: DocBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang, rest] = open;
    const end = lines.findIndex(
      (l, j) =>
        j > i && l.trim().startsWith(fence[0].repeat(fence.length)) && l.trim().replace(/[`~]/g, '') === '',
    );
    const close = end < 0 ? lines.length : end;
    const isTs = lang === 'ts' || lang === 'typescript';
    if (isTs && !/\bno-check\b/.test(rest)) {
      const code = lines
        .slice(i + 1, close)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
        .join('\n');
      blocks.push({
        file,
        line: i + 1,
        code,
        augments: /declare\s+module\s+['"]nestjs-amqp-events['"]/.test(code),
      });
    }
    i = close;
  }
  return blocks;
}

export function readTsBlocks(root: string, files: string[]): DocBlock[] {
  return files.flatMap((f) => extractTsBlocks(f, readFileSync(`${root}/${f}`, 'utf8')));
}
