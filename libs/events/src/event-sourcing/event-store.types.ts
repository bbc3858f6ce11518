import type { EntityManager } from 'typeorm';
import type { ExpectedVersionValue } from '../errors/wrong-expected-version.error.js';
import type { HeaderValue } from '../interfaces/publish-options.interface.js';

export type ExpectedVersion = ExpectedVersionValue;

/** Metadata kept with every stored event (and sent with it on the bus). */
export interface StoredEventMetadata {
  correlationId?: string;
  causationId?: string;
  traceparent?: string;
  source?: string;
  headers?: Record<string, HeaderValue>;
}

/** An event to append. */
export interface NewEvent<T = unknown> extends StoredEventMetadata {
  type: string;
  data: T;
  /** Event id (also the bus messageId). @default a random UUID v4 */
  id?: string;
  /** Schema version of `data`. @default the current version of `type` (highest upcaster toVersion, or 1) */
  schemaVersion?: number;
}

/** An event as read from the store (upcast to the current schema version). */
export interface StoredEvent<T = unknown> {
  position: number;
  streamId: string;
  /** 1-based version within the stream. */
  version: number;
  id: string;
  type: string;
  schemaVersion: number;
  data: T;
  metadata: StoredEventMetadata;
  recordedAt: Date;
}

export interface AppendOptions {
  /** The stream's current version (0 or 'no-stream' = must not exist; 'any' = no check). */
  expectedVersion: ExpectedVersion;
  /** Append inside this transaction (a TypeORM EntityManager); the caller commits. */
  transaction?: EntityManager;
  /** Also publish the events to the bus through the outbox. @default the module's `publish` (true) */
  publish?: boolean;
}

export interface AppendResult {
  streamId: string;
  /** The stream's version after the append. */
  version: number;
  /** Global positions of the appended events, in order. */
  positions: number[];
  ids: string[];
}

export interface ReadAllOptions {
  /** First position to read (inclusive). @default 1 */
  fromPosition?: number;
  /** Only these event types. */
  types?: string[];
  /** Stop after this many events. */
  limit?: number;
  /** Rows per query (keyset pages). @default the module's readBatchSize */
  batchSize?: number;
}

/** Which stored events `replay()` sends. */
export interface ReplayFilter {
  streamId?: string;
  types?: string[];
  correlationId?: string;
  fromPosition?: number;
  /** Last position (inclusive). */
  toPosition?: number;
}

export interface ReplayOptions {
  /** The handler queue that receives the copies (e.g. `billing.InvoiceHandlers.onOrderPlaced`). */
  toQueue: string;
}

/** One event of a correlation chain with its depth (0 = a root cause). */
export interface ChainedEvent<T = unknown> extends StoredEvent<T> {
  depth: number;
}
