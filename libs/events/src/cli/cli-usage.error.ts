import { EventsError } from '../errors/events.error.js';

/** Bad command line: the CLI prints the message and the usage, and exits with code 2. */
export class CliUsageError extends EventsError {}
