import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type { EventsPersistenceOptions } from '../interfaces/events-module-options.interface.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** `persistence` options with every default applied (see EventsPersistenceOptions for the meaning). */
export interface PersistenceSettings {
  inboxRetentionMs: number;
  outboxRetentionMs: number;
  pruneIntervalMs: number;
  pruneBatchSize: number;
  relay: boolean;
  relayIntervalMs: number;
  relayBatchSize: number;
}

export const DEFAULT_PERSISTENCE_SETTINGS: PersistenceSettings = {
  inboxRetentionMs: 7 * DAY_MS,
  outboxRetentionMs: 7 * DAY_MS,
  pruneIntervalMs: 60_000,
  pruneBatchSize: 500,
  relay: true,
  relayIntervalMs: 200,
  relayBatchSize: 200,
};

const KNOWN = new Set<string>(['dataSource', ...Object.keys(DEFAULT_PERSISTENCE_SETTINGS)]);

function int(name: keyof PersistenceSettings, value: unknown, min: number, max: number): number {
  const fallback = DEFAULT_PERSISTENCE_SETTINGS[name] as number;
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionsError(
      `persistence.${name}`,
      `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Validates the persistence settings (not the DataSource) and applies the defaults. Pure. */
export function resolvePersistenceSettings(options: EventsPersistenceOptions): PersistenceSettings {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new InvalidOptionsError(`persistence.${key}`, `unknown option; known: ${[...KNOWN].join(', ')}`);
    }
  }
  if (options.relay !== undefined && typeof options.relay !== 'boolean') {
    throw new InvalidOptionsError(
      'persistence.relay',
      `expected a boolean, got ${JSON.stringify(options.relay)}`,
    );
  }
  return {
    inboxRetentionMs: int('inboxRetentionMs', options.inboxRetentionMs, 1000, 10 * 365 * DAY_MS),
    outboxRetentionMs: int('outboxRetentionMs', options.outboxRetentionMs, 0, 10 * 365 * DAY_MS),
    pruneIntervalMs: int('pruneIntervalMs', options.pruneIntervalMs, 0, DAY_MS),
    pruneBatchSize: int('pruneBatchSize', options.pruneBatchSize, 1, 100_000),
    relay: options.relay ?? true,
    relayIntervalMs: int('relayIntervalMs', options.relayIntervalMs, 1, 60_000),
    relayBatchSize: int('relayBatchSize', options.relayBatchSize, 1, 5000),
  };
}
