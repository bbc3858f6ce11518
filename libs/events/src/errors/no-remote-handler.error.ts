import { UnroutableEventError } from './unroutable-event.error.js';

/**
 * A remote command, query or request was returned by the broker at once: no service consumes it
 * (no queue bound for its type on `{exchange}.commands`). Start the owning service, or check the
 * type and owner in `@RemoteCommand` / `@RemoteQuery` / `@MessagePattern`.
 */
export class NoRemoteHandlerError extends UnroutableEventError {
  constructor(exchange: string, requestType: string, requestId: string) {
    super(exchange, requestType, requestId);
    this.message = `No service handles "${requestType}" (id ${requestId}): nothing is bound to it on exchange "${exchange}"; is the owning service running?`;
  }
}
