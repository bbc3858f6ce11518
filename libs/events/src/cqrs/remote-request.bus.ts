import { Injectable } from '@nestjs/common';
import type { Command, Query } from '@nestjs/cqrs';
import { EventsError } from '../errors/events.error.js';
import type { RequestOptions } from '../delivery/request-sender.js';
import { RequestSender } from '../delivery/request-sender.js';
import { ambientPublishOptions } from './ambient-publish-options.js';
import { remoteRequestOf } from './remote-request.decorator.js';

/** Per call: `timeoutMs` (default: the class's, else 30 s), correlation/causation ids, headers. */
export type RemoteExecuteOptions = RequestOptions;

type ResultOf<M, Base> = M extends Base
  ? M extends Command<infer R>
    ? R
    : M extends Query<infer Q>
      ? Q
      : unknown
  : unknown;

async function executeRemote<R>(
  sender: RequestSender,
  kind: 'command' | 'query',
  message: object,
  options: RemoteExecuteOptions,
): Promise<R> {
  const entry = remoteRequestOf(message);
  const label = kind === 'command' ? '@RemoteCommand' : '@RemoteQuery';
  if (!entry || entry.kind !== kind) {
    const name = (message as { constructor?: { name?: string } })?.constructor?.name ?? typeof message;
    throw new EventsError(
      `${name} is not marked ${label}(service, type); it cannot be sent to another service`,
    );
  }
  const ambient = ambientPublishOptions();
  return sender.request<R>(entry.type, message, {
    correlationId: ambient?.correlationId,
    causationId: ambient?.causationId,
    ...options,
    timeoutMs: options.timeoutMs ?? entry.timeoutMs,
  });
}

/**
 * Sends a `@RemoteCommand` to the service that owns it and resolves with its handler's result.
 * Rejects with RemoteExecutionError (the handler failed: remote name and message),
 * NoRemoteHandlerError (no instance of the owner is consuming: at once), DeliveryTimeoutError.
 */
@Injectable()
export class RemoteCommandBus {
  constructor(private readonly sender: RequestSender) {}

  execute<C extends object, R = ResultOf<C, Command<unknown>>>(
    command: C,
    options: RemoteExecuteOptions = {},
  ): Promise<R> {
    return executeRemote<R>(this.sender, 'command', command, options);
  }
}

/** Sends a `@RemoteQuery` to the service that owns it; see RemoteCommandBus. */
@Injectable()
export class RemoteQueryBus {
  constructor(private readonly sender: RequestSender) {}

  execute<Q extends object, R = ResultOf<Q, Query<unknown>>>(
    query: Q,
    options: RemoteExecuteOptions = {},
  ): Promise<R> {
    return executeRemote<R>(this.sender, 'query', query, options);
  }
}
