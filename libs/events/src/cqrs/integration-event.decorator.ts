import type { Type } from '@nestjs/common';
import { eventTypeProblem } from '../routing/routing-pattern.js';
import { registerIntegrationEvent, type IntegrationEventEntry } from './cqrs-registry.js';

export const INTEGRATION_EVENT_METADATA = Symbol('nestjs-amqp-events:integration-event');

export interface IntegrationEventOptions {
  /**
   * Fields holding a `Date`, as dot paths (`'placedAt'`, `'lines.shippedAt'`; arrays on the way are
   * walked): JSON carries them as ISO strings, and they are turned back into Dates on arrival.
   */
  dates?: string[];
}

/**
 * Marks a CQRS event class as an integration event with a wire name (its routing key). Published on
 * the CQRS `EventBus` (directly or by `AggregateRoot.commit()`), it still reaches the local
 * `@EventsHandler`s and also goes to RabbitMQ; received from another service, it is rebuilt as an
 * instance of this class (constructor not run, unknown fields kept, `dates` restored).
 */
export function IntegrationEvent(type: string, options: IntegrationEventOptions = {}): ClassDecorator {
  const problem = eventTypeProblem(type);
  if (problem) throw new Error(`@IntegrationEvent(${JSON.stringify(type)}): the type ${problem}`);
  return (target) => {
    const entry: IntegrationEventEntry = {
      type,
      target: target as unknown as Type<object>,
      dates: options.dates ?? [],
    };
    Reflect.defineMetadata(INTEGRATION_EVENT_METADATA, entry, target);
    registerIntegrationEvent(entry);
  };
}

/** The `@IntegrationEvent` entry of an event instance's own class (subclasses are not included). */
export function integrationEventOf(event: unknown): IntegrationEventEntry | undefined {
  if (event === null || typeof event !== 'object') return undefined;
  const ctor = (Object.getPrototypeOf(event) as { constructor?: unknown } | null)?.constructor;
  return typeof ctor === 'function'
    ? (Reflect.getOwnMetadata(INTEGRATION_EVENT_METADATA, ctor) as IntegrationEventEntry | undefined)
    : undefined;
}
