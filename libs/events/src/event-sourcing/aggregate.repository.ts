import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { integrationEventByType } from '../cqrs/cqrs-registry.js';
import { integrationEventOf } from '../cqrs/integration-event.decorator.js';
import { rebuildMessage } from '../cqrs/message-rebuild.js';
import { EventsError } from '../errors/events.error.js';
import { RESOLVED_EVENT_SOURCING_OPTIONS } from './event-sourcing-module.definition.js';
import type { ResolvedEventSourcingOptions } from './event-sourcing.options.js';
import type { AggregateClass, EventSourcedAggregate } from './event-sourced-aggregate.js';
import { EventStore } from './event-store.js';
import type { AppendResult, NewEvent, StoredEventMetadata } from './event-store.types.js';
import { SnapshotStore } from './snapshot.store.js';

export interface SaveOptions extends Omit<StoredEventMetadata, 'headers'> {
  /** Append inside this transaction (EntityManager); the caller commits. */
  transaction?: EntityManager;
  /** @default the module's `publish` */
  publish?: boolean;
}

/** Loads event-sourced aggregates (latest snapshot, then later events, upcast) and saves their new events. */
@Injectable()
export class AggregateRepository {
  private readonly snapshots: SnapshotStore;
  private readonly ctorOf = new WeakMap<EventSourcedAggregate, AggregateClass>();

  constructor(
    private readonly store: EventStore,
    @Inject(RESOLVED_EVENT_SOURCING_OPTIONS) private readonly options: ResolvedEventSourcingOptions,
  ) {
    this.snapshots = new SnapshotStore(store.db);
  }

  /** The stream of an aggregate: `{streamPrefix ?? Class.name}-{id}`. */
  streamId(cls: AggregateClass, id: string): string {
    return `${cls.streamPrefix ?? cls.name}-${id}`;
  }

  /** The aggregate rebuilt from its snapshot and events, or undefined when it has no events. */
  async load<T extends EventSourcedAggregate>(cls: AggregateClass<T>, id: string): Promise<T | undefined> {
    const streamId = this.streamId(cls, id);
    const aggregate = new cls(id);
    const policy = this.policy(cls);
    if (policy.every > 0) {
      const snap = await this.snapshots.get(streamId);
      if (snap && snap.aggregateType === cls.name && snap.schemaVersion === policy.version) {
        aggregate.fromSnapshot(snap.state);
        aggregate.version = snap.version;
      }
    }
    const events = await this.store.readStream(streamId, { fromVersion: aggregate.version + 1 });
    for (const e of events) {
      const entry = integrationEventByType(e.type);
      if (!entry)
        throw new EventsError(
          `Cannot load ${cls.name} "${id}": stored event type "${e.type}" has no @IntegrationEvent class`,
        );
      aggregate.apply(rebuildMessage(entry.target, e.data, entry.dates, e.type), true);
      aggregate.version = e.version;
    }
    if (aggregate.version === 0) return undefined;
    this.ctorOf.set(aggregate, cls as AggregateClass);
    return aggregate;
  }

  /**
   * Appends the aggregate's uncommitted events with its loaded version as expectedVersion (throws
   * WrongExpectedVersionError when another writer saved first), then snapshots it when due.
   */
  async save(aggregate: EventSourcedAggregate, options: SaveOptions = {}): Promise<AppendResult> {
    const cls = (this.ctorOf.get(aggregate) ?? aggregate.constructor) as AggregateClass;
    const streamId = this.streamId(cls, aggregate.id);
    const pending = aggregate.getUncommittedEvents();
    const events: NewEvent[] = pending.map((event) => {
      const entry = integrationEventOf(event);
      if (!entry)
        throw new EventsError(
          `${cls.name}.save(): ${(event as object).constructor.name} is not an @IntegrationEvent class`,
        );
      return {
        type: entry.type,
        data: { ...(event as object) },
        correlationId: options.correlationId,
        causationId: options.causationId,
        traceparent: options.traceparent,
        source: options.source,
      };
    });
    const before = aggregate.version;
    const expectedVersion = before === 0 ? 'no-stream' : before;
    const policy = this.policy(cls);
    const result = await this.store.db.transaction(async (m) => {
      const r = await this.store.append(streamId, events, {
        expectedVersion,
        transaction: m,
        publish: options.publish,
      });
      if (policy.every > 0 && Math.floor(r.version / policy.every) > Math.floor(before / policy.every)) {
        await this.snapshots.put(
          {
            streamId,
            aggregateType: cls.name,
            version: r.version,
            schemaVersion: policy.version,
            state: aggregate.toSnapshot(),
          },
          m,
        );
      }
      return r;
    }, options.transaction);
    aggregate.version = result.version;
    aggregate.uncommit();
    return result;
  }

  private policy(cls: AggregateClass): { every: number; version: number } {
    return { every: cls.snapshot?.every ?? this.options.snapshotEvery, version: cls.snapshot?.version ?? 1 };
  }
}
