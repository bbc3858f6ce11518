import type { CliCommandModule, CliIo } from './cli-command.js';
import { CliUsageError } from './cli-usage.error.js';
import { COMMANDS } from './commands.js';

/** Overall usage: one line per command. */
export function overallUsage(commands: readonly CliCommandModule[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: nestjs-amqp-events <command> [action] [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "nestjs-amqp-events <command> --help" for its options. Broker: $AMQP_URL (default amqp://localhost:5672).',
    'Exit codes: 0 done, 1 failed, 2 bad usage.',
  ].join('\n');
}

/**
 * Dispatches to the command named by the first argument. Without a command, prints the usage and
 * exits 2; `--help` / `help` prints it and exits 0.
 */
export async function runCli(
  argv: string[],
  io: CliIo,
  commands: readonly CliCommandModule[] = COMMANDS,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${overallUsage(commands)}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`${name ? `error: unknown command "${name}"\n\n` : ''}${overallUsage(commands)}\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (!(e instanceof CliUsageError)) throw e;
    io.stderr(`error: ${e.message}\n\n${command.usage}\n`);
    return 2;
  }
}
