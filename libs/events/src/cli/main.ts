#!/usr/bin/env node
import amqplib from 'amqplib';
import { DeadLetterOps } from '../dead-letter/dead-letter-ops.js';
import { maskUri } from '../options/resolve-options.js';
import { parseCliArgs, USAGE } from './cli-args.js';
import { CliUsageError } from './cli-usage.error.js';
import { runDlqCommand } from './dlq.command.js';

/** Removes the URI's password from any text (also when a library echoes the URI in an error). */
function masker(uri: string): (text: string) => string {
  const password = /^amqps?:\/\/[^:@/]*:([^@/]*)@/.exec(uri)?.[1];
  return (text) => {
    let t = maskUri(text.split(uri).join(maskUri(uri)));
    if (password && password.length >= 3)
      t = t.split(password).join('***').split(decodeURIComponent(password)).join('***');
    return t;
  };
}

/** `nestjs-amqp-events dlq list|show|replay|purge --queue Q [--id ID | --all] [--json] [--exchange E]`. */
export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let cmd;
  try {
    cmd = parseCliArgs(argv, env);
  } catch (e) {
    if (!(e instanceof CliUsageError)) throw e;
    process.stderr.write(`error: ${e.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (cmd.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const uri = env.AMQP_URL ?? 'amqp://localhost:5672';
  const mask = masker(uri);
  let connection: amqplib.ChannelModel | undefined;
  try {
    connection = await amqplib.connect(uri, {
      timeout: 10_000,
      clientProperties: { connection_name: 'nestjs-amqp-events-cli' },
    });
    connection.on('error', () => undefined);
    const result = await runDlqCommand(cmd, new DeadLetterOps(connection, cmd.exchange));
    process.stdout.write(`${result.text}\n`);
    return result.exitCode;
  } catch (e) {
    const err = e as Error;
    const notFound = /NOT_FOUND/.test(err.message)
      ? ` (does the queue exist? dead letters live in "<queue>.dlq")`
      : '';
    process.stderr.write(`error: ${mask(err.message)}${notFound}\n  broker: ${maskUri(uri)}\n`);
    return 1;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

main(process.argv.slice(2), process.env).then(
  (code) => (process.exitCode = code),
  (e: Error) => {
    process.stderr.write(`error: ${e.message}\n`);
    process.exitCode = 1;
  },
);
