import type { DataSource } from 'typeorm';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import { resolveRetryPolicy } from '../options/resolve-options.js';
import { buildUpcasterRegistry, type EventUpcaster, type UpcasterRegistry } from './event-upcaster.js';

export interface ProjectionsOptions {
  /** Run this app's `@Projection` classes. false = only the store (e.g. a CLI). @default true */
  enabled?: boolean;
  /** Events per batch (one transaction with the checkpoint). @default 500 */
  batchSize?: number;
  /** Poll interval when caught up (Postgres NOTIFY wakes projectors earlier). @default 500 */
  pollIntervalMs?: number;
  /** A projector's lease; another instance takes over this long after the holder stopped renewing. @default 10000 */
  leaseMs?: number;
  /** Retries of a failing batch before the projection stops with the error. @default 5 attempts, exponential from 200 ms */
  retry?: Partial<RetryPolicy>;
}

export interface EventSourcingModuleOptions {
  /** TypeORM DataSource ('postgres' or 'better-sqlite3'). @default EventsModule's `persistence.dataSource` */
  dataSource?: DataSource;
  /** Publish appended events to the bus through the outbox (needs EventsModule `persistence`). @default true */
  publish?: boolean;
  /** Upcasters applied wherever events are read; they also define each type's current schema version. */
  upcasters?: EventUpcaster[];
  /** Default snapshot frequency for aggregates that set none (0 = no snapshots). @default { every: 0 } */
  snapshots?: { every?: number };
  projections?: ProjectionsOptions;
  /** Rows per page of `readAll()`, `readStream()` and aggregate loads. @default 1000 */
  readBatchSize?: number;
}

export interface ResolvedProjectionsOptions {
  enabled: boolean;
  batchSize: number;
  pollIntervalMs: number;
  leaseMs: number;
  retry: RetryPolicy;
}

export interface ResolvedEventSourcingOptions {
  dataSource?: DataSource;
  publish: boolean;
  upcasters: UpcasterRegistry;
  snapshotEvery: number;
  projections: ResolvedProjectionsOptions;
  readBatchSize: number;
}

const KNOWN = ['dataSource', 'publish', 'upcasters', 'snapshots', 'projections', 'readBatchSize'];
const KNOWN_PROJECTIONS = ['enabled', 'batchSize', 'pollIntervalMs', 'leaseMs', 'retry'];
const DEFAULT_PROJECTION_RETRY: RetryPolicy = {
  maxAttempts: 5,
  backoff: 'exponential',
  initialDelayMs: 200,
  maxDelayMs: 10_000,
  jitter: 0,
};

function checkKeys(value: unknown, known: string[], at: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidOptionsError(at || 'options', 'expected an object');
  for (const key of Object.keys(value)) {
    if (!known.includes(key))
      throw new InvalidOptionsError(at ? `${at}.${key}` : key, `unknown option; known: ${known.join(', ')}`);
  }
  return value as Record<string, unknown>;
}

function int(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionsError(
      name,
      `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function bool(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new InvalidOptionsError(name, `expected a boolean, got ${JSON.stringify(value)}`);
  return value;
}

/** Validates `EventSourcingModule.forRoot()` options (every bad key named) and applies defaults. Pure. */
export function resolveEventSourcingOptions(
  input: EventSourcingModuleOptions = {},
): ResolvedEventSourcingOptions {
  const o = checkKeys(input, KNOWN, '') as EventSourcingModuleOptions;
  const snapshots = checkKeys(o.snapshots, ['every'], 'snapshots');
  const p = checkKeys(o.projections, KNOWN_PROJECTIONS, 'projections') as ProjectionsOptions;
  if (
    o.dataSource !== undefined &&
    (o.dataSource === null ||
      typeof (o.dataSource as { createQueryRunner?: unknown }).createQueryRunner !== 'function')
  ) {
    throw new InvalidOptionsError('dataSource', 'expected a TypeORM DataSource');
  }
  return {
    dataSource: o.dataSource,
    publish: bool('publish', o.publish, true),
    upcasters: buildUpcasterRegistry(o.upcasters ?? []),
    snapshotEvery: int('snapshots.every', snapshots.every, 0, 0, 1_000_000),
    readBatchSize: int('readBatchSize', o.readBatchSize, 1000, 1, 100_000),
    projections: {
      enabled: bool('projections.enabled', p.enabled, true),
      batchSize: int('projections.batchSize', p.batchSize, 500, 1, 100_000),
      pollIntervalMs: int('projections.pollIntervalMs', p.pollIntervalMs, 500, 1, 3_600_000),
      leaseMs: int('projections.leaseMs', p.leaseMs, 10_000, 100, 3_600_000),
      retry: resolveRetryPolicy('projections.retry', p.retry, DEFAULT_PROJECTION_RETRY),
    },
  };
}
