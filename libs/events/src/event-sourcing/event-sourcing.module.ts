import { EventsRuntime } from '../runtime/events-runtime.js';
import { attachUpcasters } from './bus-upcasting.js';
import { Global, Module, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { RESOLVED_EVENTS_OPTIONS } from '../constants.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { AggregateRepository } from './aggregate.repository.js';
import {
  EVENT_SOURCING_MODULE_OPTIONS,
  EVENT_UPCASTER_REGISTRY,
  EventSourcingConfigurableModule,
  RESOLVED_EVENT_SOURCING_OPTIONS,
} from './event-sourcing-module.definition.js';
import {
  resolveEventSourcingOptions,
  type EventSourcingModuleOptions,
  type ResolvedEventSourcingOptions,
} from './event-sourcing.options.js';
import { EventStoreDatabase } from './event-store.database.js';
import { EventStore } from './event-store.js';
import { ProjectionExplorer } from './projection.explorer.js';
import { ProjectionService } from './projection.service.js';
import { WindowedAggregationFactory } from './windows/windowed-aggregation.factory.js';
import { WindowedAggregationService } from './windows/windowed-aggregation.service.js';

const providers: Provider[] = [
  {
    provide: RESOLVED_EVENT_SOURCING_OPTIONS,
    useFactory: (options: EventSourcingModuleOptions) => resolveEventSourcingOptions(options),
    inject: [EVENT_SOURCING_MODULE_OPTIONS],
  },
  {
    provide: EventStoreDatabase,
    useFactory: async (options: ResolvedEventSourcingOptions, events?: ResolvedEventsOptions) => {
      const ds = (options.dataSource ?? events?.persistence?.dataSource) as DataSource | undefined;
      if (!ds)
        throw new InvalidOptionsError(
          'dataSource',
          'no DataSource: pass one, or configure EventsModule `persistence.dataSource`',
        );
      if (!ds.isInitialized) await ds.initialize();
      return new EventStoreDatabase(ds);
    },
    inject: [RESOLVED_EVENT_SOURCING_OPTIONS, { token: RESOLVED_EVENTS_OPTIONS, optional: true }],
  },
  {
    provide: EVENT_UPCASTER_REGISTRY,
    // the bus upcasts events of an older schema version before handlers see them, and publishes the current one
    useFactory: (options: ResolvedEventSourcingOptions, runtime: EventsRuntime | undefined) => {
      if (runtime) attachUpcasters(runtime, options.upcasters);
      return options.upcasters;
    },
    inject: [RESOLVED_EVENT_SOURCING_OPTIONS, { token: EventsRuntime, optional: true }],
  },
  EventStore,
  AggregateRepository,
  ProjectionExplorer,
  ProjectionService,
  WindowedAggregationFactory,
  WindowedAggregationService,
];

/**
 * The event store, aggregates and projections (`nestjs-amqp-events/event-sourcing`). Import it once, next to
 * `EventsModule.forRoot({ persistence })` (appends are published through that module's outbox). Global, like
 * EventsModule: EventStore, AggregateRepository, ProjectionService, WindowedAggregationService and EVENT_UPCASTER_REGISTRY are
 * injectable everywhere (the bus delivery path reads the upcasters).
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers,
  exports: [
    EventStore,
    AggregateRepository,
    ProjectionService,
    WindowedAggregationService,
    EVENT_UPCASTER_REGISTRY,
  ],
})
export class EventSourcingModule extends EventSourcingConfigurableModule {}
