import { ConsoleLogger } from '@nestjs/common';

/**
 * Keeps the Nest log readable while the demo prints its flow: warnings and errors from everywhere,
 * and at 'log' level only the library's startup lines (one per handler: `Class.method ← pattern [queue]`).
 */
export class DemoLogger extends ConsoleLogger {
  constructor() {
    super({ logLevels: ['log', 'warn', 'error'], prefix: 'nest' });
  }

  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams.length > 0 ? optionalParams[optionalParams.length - 1] : this.context;
    if (context === 'EventsModule') super.log(message, ...optionalParams);
  }
}
