import { EventsError } from './events.error.js';

/** `FanIn.waitForAll()` timed out before every awaited event type arrived. */
export class FanInTimeoutError extends EventsError {
  constructor(
    readonly correlationId: string,
    readonly arrived: string[],
    readonly missing: string[],
    readonly timeoutMs: number,
  ) {
    super(
      `waitForAll(${JSON.stringify(correlationId)}) timed out after ${timeoutMs} ms: ` +
        `arrived [${arrived.join(', ')}], missing [${missing.join(', ')}]`,
    );
  }
}
