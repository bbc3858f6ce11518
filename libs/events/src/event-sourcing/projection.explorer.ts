import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ON_EVENT_METADATA, PROJECTION_METADATA } from '../constants.js';
import type { OnEventMetadata } from '../decorators/on-event.decorator.js';
import { HandlerRegistrationError } from '../errors/handler-registration.error.js';
import type { EntityManager } from 'typeorm';
import type { StoredEvent } from './event-store.types.js';
import type { ProjectionContext, ProjectionMetadata } from './projection.decorator.js';
import {
  WINDOWED_AGGREGATION_METADATA,
  type WindowedAggregationDefinition,
} from './windows/windowed-aggregation.decorator.js';
import { WindowedAggregationFactory } from './windows/windowed-aggregation.factory.js';

export interface ProjectionHandler {
  name: string;
  patterns: string[];
  invoke: (data: unknown, ctx: ProjectionContext) => unknown;
}

export interface ProjectionDefinition {
  name: string;
  className: string;
  handlers: ProjectionHandler[];
  reset?: (manager: ProjectionContext['manager']) => unknown;
  /** Instead of calling the handlers per event: the whole batch, in its transaction (windowed aggregations). */
  applyBatch?: (events: StoredEvent[], manager: EntityManager) => Promise<void>;
  /**
   * Work for a caught-up projector, in a transaction that holds the checkpoint (windowed aggregations: the
   * clock closes windows of a quiet stream). `dueIn(now)`: ms until it is worth running (≤ 0: now).
   */
  idle?: {
    dueIn: (now: number) => number;
    run: (manager: EntityManager, readStartedAt: number) => Promise<void>;
  };
}

/** Finds `@Projection` providers and their `@OnEvent` methods (data only; the service runs them). */
@Injectable()
export class ProjectionExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly windows: WindowedAggregationFactory,
  ) {}

  explore(): ProjectionDefinition[] {
    const out = new Map<string, ProjectionDefinition>();
    for (const wrapper of this.discovery.getProviders()) {
      const metatype = wrapper.metatype as (new (...a: never[]) => object) | undefined;
      if (!metatype || typeof metatype !== 'function' || wrapper.isAlias) continue;
      const windowed = Reflect.getMetadata(WINDOWED_AGGREGATION_METADATA, metatype) as
        WindowedAggregationDefinition | undefined;
      const meta =
        (Reflect.getMetadata(PROJECTION_METADATA, metatype) as ProjectionMetadata | undefined) ?? windowed;
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!meta || !instance) continue;
      if (!wrapper.isDependencyTreeStatic())
        throw new HandlerRegistrationError(
          metatype.name,
          'a projection must be a singleton provider (not request-scoped)',
        );
      const existing = out.get(meta.name);
      if (existing && existing.className !== metatype.name) {
        throw new HandlerRegistrationError(
          metatype.name,
          `projection name "${meta.name}" is also used by ${existing.className}; give each projection its own name`,
        );
      }
      if (existing) continue;
      if (windowed) {
        out.set(meta.name, this.windows.projection(windowed, metatype.name));
        continue;
      }
      const handlers: ProjectionHandler[] = [];
      for (const method of this.scanner.getAllMethodNames(metatype.prototype)) {
        const fn = instance[method];
        const on =
          typeof fn === 'function'
            ? (Reflect.getMetadata(ON_EVENT_METADATA, fn) as OnEventMetadata | undefined)
            : undefined;
        if (!on) continue;
        handlers.push({
          name: `${metatype.name}.${method}`,
          patterns: on.patterns,
          invoke: (fn as ProjectionHandler['invoke']).bind(instance),
        });
      }
      if (handlers.length === 0)
        throw new HandlerRegistrationError(
          metatype.name,
          `@Projection("${meta.name}") has no @OnEvent methods`,
        );
      const reset =
        typeof instance.reset === 'function'
          ? (instance.reset as ProjectionDefinition['reset'])!.bind(instance)
          : undefined;
      out.set(meta.name, { name: meta.name, className: metatype.name, handlers, reset });
    }
    return [...out.values()];
  }
}
