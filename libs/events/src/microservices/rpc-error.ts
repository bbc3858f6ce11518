import { NonRetryableError } from '../errors/non-retryable.error.js';
import { describeError, type RemoteErrorInfo } from '../delivery/delivery-outcome.js';

function clientErrorStatus(v: unknown): boolean {
  return typeof v === 'number' && v >= 400 && v < 500;
}

/**
 * Whether a handler failure can never succeed on a retry: NonRetryableError, an HttpException with a
 * 4xx status (e.g. ValidationPipe's BadRequestException behind a filter that keeps it), or an RPC error
 * object (what Nest's exception filters turn errors into) carrying a 4xx `statusCode`/`status` or
 * `retryable: false`.
 */
export function isPermanentRpcError(error: unknown): boolean {
  if (error instanceof NonRetryableError) return true;
  if (error === null || typeof error !== 'object') return false;
  const e = error as {
    getStatus?: () => unknown;
    getError?: () => unknown;
    statusCode?: unknown;
    status?: unknown;
    retryable?: unknown;
  };
  if (typeof e.getStatus === 'function' && clientErrorStatus(e.getStatus())) return true;
  if (typeof e.getError === 'function') return isPermanentRpcError(e.getError()); // RpcException(payload)
  return e.retryable === false || clientErrorStatus(e.statusCode) || clientErrorStatus(e.status);
}

/**
 * describeError, with the messages of a structured payload (validation errors) appended when the
 * error's own message does not carry them ("Bad Request Exception: quantity must not be less than 1").
 */
export function describeRpcError(error: unknown): RemoteErrorInfo {
  const info = describeError(error);
  const inner = (info.details as { message?: unknown } | undefined)?.message;
  const extra = Array.isArray(inner)
    ? inner.map(String).join('; ')
    : typeof inner === 'string'
      ? inner
      : undefined;
  return extra && !info.message.includes(extra)
    ? { ...info, message: info.message ? `${info.message}: ${extra}` : extra }
    : info;
}

/** A failed RPC handler as an Error the delivery processor can decide on (and write to DLQ headers). */
class RpcHandlerError extends Error {
  constructor(info: RemoteErrorInfo, stack?: string) {
    super(info.message);
    this.name = info.name;
    if (stack) this.stack = stack;
  }
}

/** Same, for a failure that must not be retried: dead-lettered at once. */
class RpcRejectedError extends NonRetryableError {
  constructor(info: RemoteErrorInfo, stack?: string) {
    super(info.message);
    this.name = info.name;
    if (stack) this.stack = stack;
  }
}

/** What the processor sees of an event handler failure (the original Error when it is one). */
export function toProcessorError(error: unknown): Error {
  const permanent = isPermanentRpcError(error);
  if (error instanceof Error) {
    if (!permanent || error instanceof NonRetryableError) return error;
    return new RpcRejectedError(describeRpcError(error), error.stack);
  }
  const info = describeRpcError(error);
  return permanent ? new RpcRejectedError(info) : new RpcHandlerError(info);
}
