#!/usr/bin/env node
// Entry point of the `nestjs-amqp-events` command (bin/nestjs-amqp-events.js imports the compiled file).
import { createInterface } from 'node:readline/promises';
import { runCli } from './cli.dispatcher.js';
import type { CliIo } from './cli-command.js';

function processIo(): CliIo {
  return {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    ask: process.stdin.isTTY
      ? async (question) => {
          const rl = createInterface({ input: process.stdin, output: process.stdout });
          try {
            return await rl.question(question);
          } finally {
            rl.close();
          }
        }
      : undefined,
  };
}

runCli(process.argv.slice(2), processIo()).then(
  (code) => (process.exitCode = code),
  (e: Error) => {
    process.stderr.write(`error: ${e.message}\n`);
    process.exitCode = 1;
  },
);
