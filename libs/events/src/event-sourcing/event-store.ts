import { Inject, Injectable, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { EventsError } from '../errors/events.error.js';
import { WrongExpectedVersionError } from '../errors/wrong-expected-version.error.js';
import { isUniqueViolation } from '../persistence/database-errors.js';
import { RESOLVED_EVENTS_OPTIONS } from '../constants.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { EventPublisher } from '../publisher/event-publisher.js';
import { replayToQueue } from './event-replay.js';
import { causalOrder } from './causal-order.js';
import { RESOLVED_EVENT_SOURCING_OPTIONS } from './event-sourcing-module.definition.js';
import type { ResolvedEventSourcingOptions } from './event-sourcing.options.js';
import { EventStoreDatabase, LOCK_CLASS } from './event-store.database.js';
import type {
  AppendOptions,
  AppendResult,
  ChainedEvent,
  NewEvent,
  ReadAllOptions,
  ReplayFilter,
  ReplayOptions,
  StoredEvent,
} from './event-store.types.js';
import { currentSchemaVersion } from './event-upcaster.js';
import { insertStoreRows } from './store-rows.writer.js';
import { decodeStoredEvent, STORE_COLUMNS, type StoreRowRaw } from './stored-event.codec.js';
import { publishItems, validateAppend, versionMatches } from './append-rules.js';

/**
 * The event store (`events_store`): appends with optimistic concurrency, published through the outbox in
 * the same transaction; reads upcast to the current schema versions.
 */
@Injectable()
export class EventStore {
  private readonly appendListeners = new Set<() => void>();

  constructor(
    readonly db: EventStoreDatabase,
    @Inject(RESOLVED_EVENT_SOURCING_OPTIONS) private readonly options: ResolvedEventSourcingOptions,
    @Optional() private readonly publisher?: EventPublisher,
    @Optional() @Inject(RESOLVED_EVENTS_OPTIONS) private readonly events?: ResolvedEventsOptions,
  ) {}

  /**
   * Appends `events` to `streamId` if its version matches `expectedVersion`, in one transaction that also
   * writes them to the outbox (unless `publish: false`). Throws WrongExpectedVersionError, writing nothing,
   * when the stream moved on.
   */
  async append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    validateAppend(streamId, events, options);
    const publish = options.publish ?? this.options.publish;
    if (publish && !this.publisher) {
      throw new EventsError(
        'EventStore.append() publishes through the outbox: import EventsModule (with `persistence`), or pass publish: false',
      );
    }
    const now = Date.now();
    const prepared = events.map((e) => ({
      ...e,
      id: e.id ?? randomUUID(),
      schemaVersion: e.schemaVersion ?? currentSchemaVersion(this.options.upcasters, e.type),
    }));
    // In a transaction of our own with a known base version, the outbox rows are written BEFORE the append
    // lock is taken, so the serialised part stays short; a refused append rolls them back with everything.
    const ev = options.expectedVersion;
    const knownBase = ev === 'no-stream' ? 0 : typeof ev === 'number' ? ev : undefined;
    const early = publish && !options.transaction && knownBase !== undefined && prepared.length > 0;
    try {
      const result = await this.db.transaction(async (m) => {
        if (early) await this.publisher!.publishAll(publishItems(streamId, knownBase, prepared, m));
        if (this.db.dialect === 'postgres')
          await m.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, this.db.appendLock]);
        // SQLite: take the write lock before reading the version (a no-op write), so that another connection's
        // commit between our read and our insert makes us wait (busy timeout) instead of failing SQLITE_BUSY_SNAPSHOT
        else await m.query(`UPDATE ${this.db.store} SET "version" = "version" WHERE 0`);
        // a new stream in our own transaction: the unique (stream_id, version) key refuses an existing one
        const trustUnique = ev === 'no-stream' && !options.transaction && prepared.length > 0;
        const actual = trustUnique ? 0 : await this.streamVersion(streamId, m);
        if (!versionMatches(options.expectedVersion, actual))
          throw new WrongExpectedVersionError(streamId, options.expectedVersion, actual);
        if (prepared.length === 0) return { streamId, version: actual, positions: [], ids: [] };
        const positions = await insertStoreRows(this.db, m, streamId, actual, prepared, now);
        if (publish && !early) await this.publisher!.publishAll(publishItems(streamId, actual, prepared, m));
        return { streamId, version: actual + prepared.length, positions, ids: prepared.map((e) => e.id) };
      }, options.transaction);
      // committed (our own transaction): wake this process's projectors at once
      if (!options.transaction && result.positions.length > 0) this.appendListeners.forEach((l) => l());
      return result;
    } catch (e) {
      if (isUniqueViolation(e) && !(e instanceof WrongExpectedVersionError)) {
        // another writer took the version (SQLite across processes; or a duplicate event id)
        const actual = options.transaction ? -1 : await this.streamVersion(streamId).catch(() => -1);
        throw new WrongExpectedVersionError(streamId, options.expectedVersion, actual);
      }
      throw e;
    }
  }

  /** Calls `listener` after each append this process committed in its own transaction; returns the unsubscribe. */
  onAppended(listener: () => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** The stream's current version (0 when it does not exist). */
  async streamVersion(streamId: string, manager?: EntityManager): Promise<number> {
    const rows = await this.db.query<{ v: string | number | null }>(
      `SELECT MAX("version") AS v FROM ${this.db.store} WHERE "stream_id" = $1`,
      [streamId],
      manager,
    );
    return Number(rows[0]?.v ?? 0);
  }

  /** The highest position in the store (0 when empty). */
  async headPosition(manager?: EntityManager): Promise<number> {
    const rows = await this.db.query<{ p: string | number | null }>(
      `SELECT MAX("position") AS p FROM ${this.db.store}`,
      [],
      manager,
    );
    return Number(rows[0]?.p ?? 0);
  }

  /** The events of one stream in version order (from `fromVersion`, inclusive), upcast. */
  async readStream(
    streamId: string,
    options: { fromVersion?: number; manager?: EntityManager } = {},
  ): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    let after = Math.max(0, (options.fromVersion ?? 1) - 1);
    const page = this.options.readBatchSize;
    for (;;) {
      const rows = await this.db.query<StoreRowRaw>(
        `SELECT ${STORE_COLUMNS} FROM ${this.db.store} WHERE "stream_id" = $1 AND "version" > $2 ORDER BY "version" LIMIT ${page}`,
        [streamId, after],
        options.manager,
      );
      for (const r of rows) out.push(decodeStoredEvent(r, this.options.upcasters));
      if (rows.length < page) return out;
      after = out[out.length - 1].version;
    }
  }

  /** Every stored event in position order, read in keyset pages (constant memory), upcast. */
  async *readAll(options: ReadAllOptions = {}): AsyncIterable<StoredEvent> {
    let after = Math.max(0, (options.fromPosition ?? 1) - 1);
    let left = options.limit ?? Number.POSITIVE_INFINITY;
    const size = options.batchSize ?? this.options.readBatchSize;
    while (left > 0) {
      const page = await this.readPage(after, Math.min(size, left), options.types);
      for (const e of page) yield e;
      if (page.length < Math.min(size, left)) return;
      left -= page.length;
      after = page[page.length - 1].position;
    }
  }

  /** One page: events after `afterPosition`, in position order. */
  async readPage(
    afterPosition: number,
    limit: number,
    types?: string[],
    manager?: EntityManager,
  ): Promise<StoredEvent[]> {
    const params: unknown[] = [afterPosition];
    let filter = '';
    if (types && types.length > 0) {
      filter = ` AND "type" IN (${types.map((_, i) => `$${i + 2}`).join(', ')})`;
      params.push(...types);
    }
    const rows = await this.db.query<StoreRowRaw>(
      `SELECT ${STORE_COLUMNS} FROM ${this.db.store} WHERE "position" > $1${filter} ORDER BY "position" LIMIT ${Math.floor(limit)}`,
      params,
      manager,
    );
    return rows.map((r) => decodeStoredEvent(r, this.options.upcasters));
  }

  /** Events of one type in position order, from position `from` (inclusive). */
  async getEventsByType(
    type: string,
    options: { from?: number; limit?: number } = {},
  ): Promise<StoredEvent[]> {
    return this.readPage(Math.max(0, (options.from ?? 1) - 1), options.limit ?? 10_000, [type]);
  }

  /** The correlation chain of `correlationId` (its events and the root whose id it is), in causal order. */
  async getEventChain(correlationId: string): Promise<ChainedEvent[]> {
    const rows = await this.db.query<StoreRowRaw>(
      `SELECT ${STORE_COLUMNS} FROM ${this.db.store} WHERE "correlation_id" = $1 OR "event_id" = $2 ORDER BY "position"`,
      [correlationId, correlationId],
    );
    return causalOrder(rows.map((r) => decodeStoredEvent(r, this.options.upcasters)));
  }

  /**
   * Sends the stored events that match `filter` again, to the one handler queue `toQueue` only (marked
   * with `x-store-replay`; same event ids, so the handler's inbox still dedupes). Resolves with the count.
   */
  async replay(filter: ReplayFilter, options: ReplayOptions): Promise<{ sent: number }> {
    if (!this.events)
      throw new EventsError('EventStore.replay() sends through RabbitMQ: import EventsModule');
    const types = filter.types;
    const sent = await replayToQueue(
      this.events,
      options.toQueue,
      this.readAll({ fromPosition: filter.fromPosition, types }),
      filter,
    );
    return { sent };
  }
}
