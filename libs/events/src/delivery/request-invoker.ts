import { Logger } from '@nestjs/common';
import { DEFAULT_RETRY_POLICY } from '../options/resolve-options.js';
import type { ErrorClass } from '../interfaces/events-module-options.interface.js';
import type { EventContext } from '../interfaces/event-context.interface.js';
import { decideOnFailure } from '../retry/failure-decision.js';
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
      // the one failure decision: thrown on while it would retry or postpone; the last failure is the answer
      const decision = decideOnFailure({
        error,
        attempt: ctx.attempt,
        policy: { ...DEFAULT_RETRY_POLICY, maxAttempts: ctx.maxAttempts },
        nonRetryableErrors,
        isPermanent,
      });
      if (decision.action !== 'dead-letter') throw error;
      const info = describe(error);
      logger.warn(
        `${ctx.type} (id ${ctx.id}) failed on attempt ${ctx.attempt}/${ctx.maxAttempts}; answering the caller with ${info.name}: ${info.message}`,
      );
      return new ReplyWithError(info);
    }
  };
}
