import type { Type } from '@nestjs/common';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';

/** `@IntegrationEvent` data: the wire name of an event class and how to rebuild it. */
export interface IntegrationEventEntry {
  type: string;
  target: Type<object>;
  /** Dot paths of Date fields restored from ISO strings. */
  dates: string[];
}

/** `@RemoteCommand` / `@RemoteQuery` data. */
export interface RemoteRequestEntry {
  kind: 'command' | 'query';
  /** The service that owns (executes) it. */
  service: string;
  type: string;
  target: Type<object>;
  dates: string[];
  /** undefined = never retried; true = the module's policy. */
  retry: boolean | Partial<RetryPolicy> | undefined;
  timeoutMs: number | undefined;
}

/**
 * Wire name ⇄ class, filled by the decorators when the classes are defined. Module state on purpose:
 * the mapping is a property of the code (like Reflect metadata), so any class a process imports can
 * be rebuilt; nothing is looked up from a name a message carries other than in these maps.
 */
const events = new Map<string, IntegrationEventEntry>();
const requests = new Map<string, RemoteRequestEntry>();

function register<E extends { type: string; target: Type<object> }>(
  map: Map<string, E>,
  entry: E,
  what: string,
): void {
  const existing = map.get(entry.type);
  if (existing && existing.target !== entry.target && existing.target.name !== entry.target.name) {
    throw new Error(
      `${what} type "${entry.type}" is claimed by two classes, ${existing.target.name} and ${entry.target.name}; give each class its own type`,
    );
  }
  map.set(entry.type, entry);
}

export function registerIntegrationEvent(entry: IntegrationEventEntry): void {
  register(events, entry, 'Integration event');
}

export function registerRemoteRequest(entry: RemoteRequestEntry): void {
  register(requests, entry, entry.kind === 'command' ? 'Remote command' : 'Remote query');
}

export function integrationEventByType(type: string): IntegrationEventEntry | undefined {
  return events.get(type);
}

export function integrationEventTypes(): string[] {
  return [...events.keys()];
}

export function remoteRequests(): RemoteRequestEntry[] {
  return [...requests.values()];
}
