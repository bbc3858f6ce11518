import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AMQP_URL, deleteTopology, uniqueName } from '../support/broker.js';
import { ROOT } from '../support/lib-build.js';

const run = promisify(execFile);
const LIB = join(ROOT, 'libs/events');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/**
 * Packs the library as `npm publish` would, installs the tarball into a scratch app outside the repo
 * (its other dependencies linked from this repo's node_modules: no network), type-checks the app
 * against the shipped .d.ts and runs it on RabbitMQ.
 */
describe('the packed library', () => {
  let dir: string;
  let files: string[];
  let tarball: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nae-pack-'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: LIB,
      maxBuffer: 1 << 24,
    });
    const [report] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(dir, report.filename);
    files = report.files.map((f) => f.path);
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships README, LICENSE, CHANGELOG, the guides, the compiled entry points and no build leftovers', () => {
    for (const f of [
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'package.json',
      'docs/retries.md',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cqrs/index.js',
      'dist/microservices/index.d.ts',
      'bin/nestjs-amqp-events.js',
      'dist/cli/main.js',
    ]) {
      expect(files).toContain(f);
    }
    expect(
      files.filter((f) => /\.build-stamp|tsbuildinfo|\.spec\.|^src\/|^scripts\/|^test\//.test(f)),
    ).toEqual([]);
  });

  it('has an exports map listing each entry point, engines, and optional peers', () => {
    const pkg = JSON.parse(readFileSync(join(LIB, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
      engines: { node: string };
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional: boolean }>;
    };
    expect(Object.keys(pkg.exports).sort()).toEqual([
      '.',
      './cqrs',
      './event-sourcing',
      './microservices',
      './package.json',
      './sagas',
      './testing',
      './typeorm',
    ]);
    expect(pkg.engines.node).toMatch(/^>=\d/);
    for (const optional of [
      'typeorm',
      'pg',
      'better-sqlite3',
      '@nestjs/cqrs',
      '@nestjs/microservices',
      '@nestjs/terminus',
    ]) {
      expect(pkg.peerDependenciesMeta[optional]).toEqual({ optional: true });
    }
    expect(pkg.peerDependenciesMeta['@nestjs/common']).toBeUndefined();
  });

  it('installs into a scratch app that type-checks against it and runs on RabbitMQ and on the memory transport', async () => {
    const app = join(dir, 'app');
    const modules = join(app, 'node_modules');
    mkdirSync(join(modules, 'nestjs-amqp-events'), { recursive: true });
    await run('tar', ['-xzf', tarball, '-C', join(modules, 'nestjs-amqp-events'), '--strip-components=1']);
    for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
      if (entry === 'nestjs-amqp-events' || entry.startsWith('.')) continue;
      symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
    }
    cpSync(join(ROOT, 'test/package/scratch-app'), app, { recursive: true });
    cpSync(join(ROOT, 'test/package/scratch-app/tsconfig.json'), join(app, 'tsconfig.json'));
    const compiled = await run(process.execPath, [TSC, '-p', app], { cwd: app }).catch(
      (e: { stdout: string }) => {
        throw new Error(`the scratch app does not type-check against the package:\n${e.stdout}`);
      },
    );
    expect(compiled.stdout).toBe('');
    // source maps carry their sources, so stack traces and debuggers work without src/
    const map = JSON.parse(readFileSync(join(modules, 'nestjs-amqp-events/dist/index.js.map'), 'utf8')) as {
      sourcesContent?: string[];
    };
    expect(map.sourcesContent?.[0]).toContain('export');

    const exchange = uniqueName('pack');
    const service = uniqueName('packsvc');
    try {
      const { stdout } = await run(process.execPath, [join(app, 'dist/main.mjs')], {
        cwd: app,
        env: { ...process.env, NODE_OPTIONS: '', AMQP_URL, PACK_EXCHANGE: exchange, PACK_SERVICE: service },
        timeout: 60_000,
      });
      const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
        published: string;
        received: Array<{ id: string; data: unknown }>;
      };
      expect(result.received).toEqual([{ id: result.published, data: { ok: true } }]);
      // and the same app without a broker, on the memory transport
      const memory = await run(process.execPath, [join(app, 'dist/main.mjs')], {
        cwd: app,
        env: { ...process.env, NODE_OPTIONS: '', AMQP_URL: 'amqp://127.0.0.1:1', PACK_TRANSPORT: 'memory' },
        timeout: 60_000,
      });
      const onMemory = JSON.parse(memory.stdout.trim().split('\n').pop() ?? '{}') as {
        published: string;
        received: unknown[];
      };
      expect(onMemory.received).toEqual([{ id: onMemory.published, data: { ok: true } }]);
    } finally {
      await deleteTopology(exchange, [`${service}.PackHandlers.onChecked`]);
    }
    expect(existsSync(join(modules, 'nestjs-amqp-events/src'))).toBe(false);
  }, 180_000);
});
