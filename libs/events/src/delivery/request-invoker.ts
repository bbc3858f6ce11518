import { Logger } from '@nestjs/common';
import { TransientError } from '../errors/transient.error.js';
import type { ErrorClass } from '../interfaces/events-module-options.interface.js';
import type { EventContext } from '../interfaces/event-context.interface.js';
import { isNonRetryable } from '../retry/failure-decision.js';
import { describeError, type RemoteErrorInfo } from './delivery-outcome.js';
import { ReplyWithError } from './delivery-outcome.reporter.js';

export type RequestRun = (data: unknown, ctx: EventContext) => Promise<unknown>;

/**
 * Owner side of request/reply: wraps a request handler for the HandlerDeliveryProcessor. A failure is
 * thrown on (so the processor schedules a retry) only while the request's retry policy allows another
 * attempt; the last failure becomes the reply (`ReplyWithError`) and the request is acked: an error
 * answered to its caller is an outcome, not a message to park. `describe` turns what was thrown into
 * the remote error (e.g. a Nest RPC error object).
 */
export function requestInvoker(
  name: string,
  run: RequestRun,
  nonRetryableErrors: ErrorClass[],
  describe: (error: unknown) => RemoteErrorInfo = describeError,
  isPermanent: (error: unknown) => boolean = () => false,
): (data: unknown, ctx: EventContext) => Promise<unknown> {
  const logger = new Logger(`RequestHandler:${name}`);
  return async (data, ctx) => {
    try {
      return await run(data, ctx);
    } catch (error) {
      if (error instanceof TransientError) throw error; // same attempt later, not counted
      const permanent = isPermanent(error) || isNonRetryable(error, nonRetryableErrors);
      if (!permanent && ctx.attempt < ctx.maxAttempts) throw error;
      const info = describe(error);
      logger.warn(`${ctx.type} (id ${ctx.id}) failed on attempt ${ctx.attempt}/${ctx.maxAttempts}; answering the caller with ${info.name}: ${info.message}`);
      return new ReplyWithError(info);
    }
  };
}
