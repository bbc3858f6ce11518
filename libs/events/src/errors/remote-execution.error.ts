import { EventsError } from './events.error.js';

/**
 * A remote command, query or request (`RemoteCommandBus`, `RemoteQueryBus`, `EventsClient.send`)
 * reached its handler, and the handler failed. Carries the remote error's name, message and, when
 * the remote side sent structured details (an `RpcException` payload, validation errors), those.
 */
export class RemoteExecutionError extends EventsError {
  constructor(
    /** Command/query type or message pattern. */
    readonly requestType: string,
    readonly requestId: string,
    readonly remoteName: string,
    readonly remoteMessage: string,
    /** Structured error payload sent by the remote side, if any (JSON). */
    readonly details?: unknown,
  ) {
    super(`"${requestType}" (id ${requestId}) failed remotely: ${remoteName}: ${remoteMessage}`);
  }
}
