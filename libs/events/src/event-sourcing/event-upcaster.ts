import { InvalidOptionsError } from '../errors/invalid-options.error.js';

/** Turns the data of `eventType` at schema `fromVersion` into `toVersion`. Pure. */
export interface EventUpcaster<From = unknown, To = unknown> {
  eventType: string;
  fromVersion: number;
  toVersion: number;
  upcast(data: From): To;
}

/** Upcasters by event type and source version, and each type's current schema version. */
export interface UpcasterRegistry {
  readonly byType: ReadonlyMap<string, ReadonlyMap<number, EventUpcaster>>;
  readonly current: ReadonlyMap<string, number>;
}

/** Validates upcasters (option path `option`) and indexes them. Pure. */
export function buildUpcasterRegistry(
  upcasters: readonly EventUpcaster[] = [],
  option = 'upcasters',
): UpcasterRegistry {
  if (!Array.isArray(upcasters)) throw new InvalidOptionsError(option, 'expected an array of EventUpcaster');
  const byType = new Map<string, Map<number, EventUpcaster>>();
  const current = new Map<string, number>();
  upcasters.forEach((u, i) => {
    const at = `${option}[${i}]`;
    if (!u || typeof u !== 'object')
      throw new InvalidOptionsError(at, 'expected { eventType, fromVersion, toVersion, upcast }');
    if (typeof u.eventType !== 'string' || !u.eventType)
      throw new InvalidOptionsError(`${at}.eventType`, 'expected a non-empty string');
    for (const key of ['fromVersion', 'toVersion'] as const) {
      if (!Number.isInteger(u[key]) || u[key] < 1)
        throw new InvalidOptionsError(
          `${at}.${key}`,
          `expected an integer >= 1, got ${JSON.stringify(u[key])}`,
        );
    }
    if (u.toVersion <= u.fromVersion)
      throw new InvalidOptionsError(`${at}.toVersion`, `must be above fromVersion (${u.fromVersion})`);
    if (typeof u.upcast !== 'function') throw new InvalidOptionsError(`${at}.upcast`, 'expected a function');
    const forType = byType.get(u.eventType) ?? new Map<number, EventUpcaster>();
    if (forType.has(u.fromVersion)) {
      throw new InvalidOptionsError(
        at,
        `a second upcaster for "${u.eventType}" from version ${u.fromVersion}`,
      );
    }
    forType.set(u.fromVersion, u);
    byType.set(u.eventType, forType);
    current.set(u.eventType, Math.max(current.get(u.eventType) ?? 1, u.toVersion));
  });
  return { byType, current };
}

/** The schema version new events of `type` are written with: the highest upcaster target, or 1. */
export function currentSchemaVersion(registry: UpcasterRegistry, type: string): number {
  return registry.current.get(type) ?? 1;
}

/**
 * Upcasts `data` of `type` at schema `version` through the registered chain (v1 → v2 → v3 ...) until no
 * upcaster applies. Returns the resulting version and data (unchanged when nothing applies). Pure.
 * Call it for events read from the store and for events from the bus carrying `x-schema-version`.
 */
export function upcastEvent(
  registry: UpcasterRegistry,
  type: string,
  version: number,
  data: unknown,
): { version: number; data: unknown } {
  const chain = registry.byType.get(type);
  let v = Number.isInteger(version) && version >= 1 ? version : 1;
  let d = data;
  if (!chain) return { version: v, data: d };
  for (let step = 0; step < 1000; step++) {
    const u = chain.get(v);
    if (!u) break;
    d = u.upcast(d);
    v = u.toVersion;
  }
  return { version: v, data: d };
}
