import type { EventsRuntime } from '../runtime/events-runtime.js';
import { currentSchemaVersion, upcastEvent, type UpcasterRegistry } from './event-upcaster.js';

/**
 * Upcasting on the bus: an incoming event carrying an older `x-schema-version` (absent = 1) is turned
 * into the current version before any handler sees it, and the bus's publisher writes the current
 * schema version of each type (when above 1) on every event it publishes.
 */
export function attachUpcasters(runtime: EventsRuntime, registry: UpcasterRegistry): void {
  if (registry.current.size === 0) return;
  runtime.upcast = (envelope) => {
    const current = currentSchemaVersion(registry, envelope.type);
    const version = envelope.schemaVersion ?? 1;
    if (version >= current) return envelope;
    const up = upcastEvent(registry, envelope.type, version, envelope.data);
    return { ...envelope, data: up.data, schemaVersion: up.version };
  };
  runtime.publisher.schemaVersionOf = (type) => currentSchemaVersion(registry, type);
}
