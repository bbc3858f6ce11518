/** Where a command writes, and what it may read: injectable so commands are testable in-process. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Asks a question on an interactive terminal; undefined when stdin is not a terminal. */
  ask?(question: string): Promise<string>;
}

/**
 * One top-level command of `nestjs-amqp-events` (`dlq`, `topology`, ...). To add one, export a module
 * like this from `cli/<name>.command.ts` and list it in `cli/commands.ts`.
 */
export interface CliCommandModule {
  /** The first argument that selects it (`dlq`). */
  name: string;
  /** One line for the overall usage. */
  summary: string;
  /** Full usage of this command. */
  usage: string;
  /**
   * Runs with the arguments after the command name. Returns the exit code: 0 done, 1 failed (broker
   * error, not found), 2 bad usage (throw CliUsageError for that: the dispatcher prints it with the usage).
   */
  run(argv: string[], io: CliIo): Promise<number>;
}
