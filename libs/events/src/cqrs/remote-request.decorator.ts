import type { Type } from '@nestjs/common';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import { eventTypeProblem } from '../routing/routing-pattern.js';
import { registerRemoteRequest, type RemoteRequestEntry } from './cqrs-registry.js';

export const REMOTE_REQUEST_METADATA = Symbol('nestjs-amqp-events:remote-request');

export interface RemoteRequestOptions {
  /**
   * Mark the command safe to retry (idempotent): `true` uses the module's retry policy, or give one.
   * Retries happen in the owner while the caller waits (keep `timeoutMs` above the backoff).
   * @default never retried: the first failure is the answer
   */
  retry?: boolean | Partial<RetryPolicy>;
  /** Default timeout of `execute()` for this class. @default 30000 */
  timeoutMs?: number;
  /** Date fields (dot paths) restored from ISO strings when the owner rebuilds the instance. */
  dates?: string[];
}

function decorator(
  kind: 'command' | 'query',
  service: string,
  type: string,
  options: RemoteRequestOptions,
): ClassDecorator {
  const label = kind === 'command' ? '@RemoteCommand' : '@RemoteQuery';
  const problem = eventTypeProblem(type);
  if (problem)
    throw new Error(`${label}(${JSON.stringify(service)}, ${JSON.stringify(type)}): the type ${problem}`);
  if (typeof service !== 'string' || !/^[A-Za-z0-9_.:-]{1,200}$/.test(service)) {
    throw new Error(
      `${label}(${JSON.stringify(service)}, ...): the owning service must be a service name like "billing"`,
    );
  }
  return (target) => {
    const entry: RemoteRequestEntry = {
      kind,
      service,
      type,
      target: target as unknown as Type<object>,
      dates: options.dates ?? [],
      retry: options.retry === false ? undefined : options.retry,
      timeoutMs: options.timeoutMs,
    };
    Reflect.defineMetadata(REMOTE_REQUEST_METADATA, entry, target);
    registerRemoteRequest(entry);
  };
}

/**
 * A CQRS command executed by the service that owns it: `RemoteCommandBus.execute(cmd)` from any
 * service sends it over RabbitMQ; the owner runs it on its local `CommandBus` (its `@CommandHandler`
 * serves unchanged) and replies.
 */
export function RemoteCommand(
  service: string,
  type: string,
  options: RemoteRequestOptions = {},
): ClassDecorator {
  return decorator('command', service, type, options);
}

/** A CQRS query answered by the service that owns it (`RemoteQueryBus.execute(q)`); see `RemoteCommand`. */
export function RemoteQuery(
  service: string,
  type: string,
  options: RemoteRequestOptions = {},
): ClassDecorator {
  return decorator('query', service, type, options);
}

export function remoteRequestOf(message: unknown): RemoteRequestEntry | undefined {
  if (message === null || typeof message !== 'object') return undefined;
  const ctor = (Object.getPrototypeOf(message) as { constructor?: unknown } | null)?.constructor;
  return typeof ctor === 'function'
    ? (Reflect.getOwnMetadata(REMOTE_REQUEST_METADATA, ctor) as RemoteRequestEntry | undefined)
    : undefined;
}
