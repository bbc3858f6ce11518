import { CQRS_EVENT_METADATA } from './cqrs-metadata.js';
import type { IntegrationEventEntry } from './cqrs-registry.js';

type EventClass = IntegrationEventEntry['target'];

const sagaOnly = new WeakMap<EventClass, EventClass>();

/**
 * A subclass of an integration event class that sagas still recognise (`ofType(Class)` is an
 * `instanceof` check) but that no `@EventsHandler` matches: @nestjs/cqrs routes events to handlers by
 * the event id it keeps in its `__event__` metadata, and this subclass carries an id of its own.
 * Received events are pushed on the EventBus stream as instances of it, so handlers, which get theirs
 * from their own queues, never run twice, and nobody's handler object is patched.
 */
export function sagaOnlyClass(target: EventClass): EventClass {
  let cls = sagaOnly.get(target);
  if (!cls) {
    const Base = target as unknown as new (...args: never[]) => object;
    cls = class extends Base {} as unknown as EventClass;
    Object.defineProperty(cls, 'name', { value: target.name });
    Reflect.defineMetadata(CQRS_EVENT_METADATA, { id: `nestjs-amqp-events:saga-only:${target.name}` }, cls);
    sagaOnly.set(target, cls);
  }
  return cls;
}
