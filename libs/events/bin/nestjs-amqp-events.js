#!/usr/bin/env node
// Entry point of the `nestjs-amqp-events` command. A committed shim, so npm can link the bin at install
// time even before the library is compiled; the CLI itself is libs/events/src/cli (compiled to dist/cli).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('nestjs-amqp-events: the library is not built yet (run `npm run build:lib`)\n');
  process.exit(1);
}
await import(main.href);
