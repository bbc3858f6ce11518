import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PROJECTION_METADATA } from '../constants.js';
import type { StoredEvent } from './event-store.types.js';

export interface ProjectionMetadata {
  name: string;
}

/** What a projection's `@OnEvent` method receives as its second argument. */
export interface ProjectionContext extends Omit<StoredEvent, 'data'> {
  projection: string;
  /** The batch's transaction: write the read model through it (it commits with the checkpoint). */
  manager: EntityManager;
}

/** Optional hook of a projection class, run by `rebuild()` in the transaction that resets the checkpoint. */
export interface ProjectionReset {
  reset(manager: EntityManager): Promise<void> | void;
}

const NAME_RE = /^[A-Za-z0-9_.:-]{1,200}$/;

/**
 * Marks a provider as a projection: its `@OnEvent(pattern)` methods are fed from the event store in
 * position order (not from a queue), each batch in one transaction with the checkpoint. Also makes the
 * class `@Injectable()`.
 */
export function Projection(name: string): ClassDecorator {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new Error(`@Projection(${JSON.stringify(name)}): the name must match ${NAME_RE.source}`);
  }
  return (target) => {
    Injectable()(target);
    Reflect.defineMetadata(PROJECTION_METADATA, { name } satisfies ProjectionMetadata, target);
  };
}
