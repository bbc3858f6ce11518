import { AggregateRoot, type IEvent } from '@nestjs/cqrs';

/** How often an aggregate class is snapshotted, and the schema version of its snapshot state. */
export interface SnapshotPolicy {
  /** Take a snapshot every N stored events (0 = never). */
  every: number;
  /** Bump it when the snapshot state's shape changes: snapshots of another version are ignored. @default 1 */
  version?: number;
}

/** An aggregate class: constructed with its id; optional static snapshot policy and stream prefix. */
export interface AggregateClass<T extends EventSourcedAggregate = EventSourcedAggregate> {
  new (id: string): T;
  readonly name: string;
  /** @default the module's `snapshots.every`, version 1 */
  snapshot?: SnapshotPolicy;
  /** Streams are named `{streamPrefix}-{id}`. @default the class name */
  streamPrefix?: string;
}

/**
 * An `@nestjs/cqrs` AggregateRoot whose state is rebuilt from its stored events: `apply(event)` calls
 * `on<EventClassName>(event)` and records the event; `AggregateRepository.save()` appends what was
 * recorded with the loaded `version` as expectedVersion. Event classes are `@IntegrationEvent` classes.
 */
export abstract class EventSourcedAggregate<
  EventBase extends IEvent = IEvent,
> extends AggregateRoot<EventBase> {
  /** The stream version this instance reflects (stored events applied); 0 for a new aggregate. */
  version = 0;

  constructor(readonly id: string) {
    super();
  }

  /** State for a snapshot. Default: the own fields except `id` and `version` (JSON). */
  toSnapshot(): unknown {
    const state: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) if (k !== 'id' && k !== 'version') state[k] = v;
    return state;
  }

  /** Restores the state of `toSnapshot()`. Default: copies the fields back. */
  fromSnapshot(state: unknown): void {
    if (state && typeof state === 'object') Object.assign(this, state);
  }
}
