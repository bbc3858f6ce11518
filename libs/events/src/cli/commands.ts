import type { CliCommandModule } from './cli-command.js';
import { dlqCommand } from './dlq.command.js';
import { eventsCommand, projectionsCommand, sagasCommand } from './store.commands.js';
import { topologyCommand } from './topology.command.js';

/**
 * The commands of `nestjs-amqp-events`, in the order the usage lists them. A new command is a
 * `CliCommandModule` in `cli/<name>.command.ts`, added here (one import, one entry).
 */
export const COMMANDS: readonly CliCommandModule[] = [
  dlqCommand,
  topologyCommand,
  projectionsCommand,
  eventsCommand,
  sagasCommand,
];
