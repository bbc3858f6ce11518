import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { RESOLVED_EVENTS_OPTIONS } from '../constants.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { SagaMetrics } from '../observability/saga-metrics.js';
import { EventPublisher } from '../publisher/event-publisher.js';
import { EventsRuntime } from '../runtime/events-runtime.js';
import { EventScheduler } from './event-scheduler.js';
import { FanIn } from './fan-in.registry.js';
import { SagaAwaitHandler } from './saga-await.handler.js';
import { createSagaEventsConsumer } from './saga-events.consumer.js';
import { SagaQueueConsumer } from './saga-queue.consumer.js';
import { openSagaStore } from './saga-store.factory.js';
import { SagaTransitionWriter } from './saga-transition.writer.js';
import { SagaCompensator } from './saga.compensator.js';
import { SagaEngine } from './saga.engine.js';
import { SagaOrchestrator } from './saga.orchestrator.js';
import { SagaStore } from './saga.store.js';
import {
  awaitedTypes,
  resolveSagasOptions,
  type ResolvedSagasOptions,
  type SagasModuleOptions,
} from './sagas-options.js';

/** DI token of the resolved SagasModule options. */
export const RESOLVED_SAGAS_OPTIONS = Symbol('nestjs-amqp-events:sagas-options');

/**
 * `SagasModule.forRoot({ sagas, dataSource?, retry?, leaseMs? })`, next to `EventsModule.forRoot()` (with
 * `persistence`). Global: `SagaOrchestrator`, `EventScheduler` and `FanIn` are injectable everywhere.
 * Options are checked here (a bad one throws InvalidOptionsError naming it) and again at startup.
 */
@Module({})
export class SagasModule {
  static forRoot(options: SagasModuleOptions): DynamicModule {
    const checked = resolveSagasOptions(options, options?.dataSource ?? 'EventsModule persistence');
    const types = awaitedTypes(checked.sagas.values());
    const providers: Provider[] = [
      {
        provide: RESOLVED_SAGAS_OPTIONS,
        inject: [RESOLVED_EVENTS_OPTIONS],
        useFactory: (events: ResolvedEventsOptions) =>
          resolveSagasOptions(options, events.persistence?.dataSource),
      },
      {
        provide: SagaStore,
        inject: [RESOLVED_SAGAS_OPTIONS],
        useFactory: async (o: ResolvedSagasOptions) => {
          const store = await openSagaStore(o.dataSource);
          return store;
        },
      },
      {
        provide: SagaMetrics,
        inject: [RESOLVED_EVENTS_OPTIONS],
        useFactory: (ev: ResolvedEventsOptions) => new SagaMetrics(ev.service),
      },
      {
        provide: SagaTransitionWriter,
        inject: [SagaStore, EventPublisher, RESOLVED_EVENTS_OPTIONS, SagaMetrics],
        useFactory: (
          store: SagaStore,
          publisher: EventPublisher,
          ev: ResolvedEventsOptions,
          metrics: SagaMetrics,
        ) => new SagaTransitionWriter(store, publisher, ev.service, metrics),
      },
      {
        provide: SagaEngine,
        inject: [SagaStore, SagaTransitionWriter, EventPublisher, RESOLVED_SAGAS_OPTIONS, SagaMetrics],
        useFactory: (
          store: SagaStore,
          writer: SagaTransitionWriter,
          publisher: EventPublisher,
          o: ResolvedSagasOptions,
          metrics: SagaMetrics,
        ) =>
          new SagaEngine(
            store,
            writer,
            publisher,
            o,
            new SagaCompensator(writer, publisher, o, metrics),
            metrics,
          ),
      },
      {
        provide: SagaOrchestrator,
        inject: [
          SagaStore,
          SagaTransitionWriter,
          EventPublisher,
          RESOLVED_SAGAS_OPTIONS,
          RESOLVED_EVENTS_OPTIONS,
        ],
        useFactory: (
          store: SagaStore,
          writer: SagaTransitionWriter,
          publisher: EventPublisher,
          o: ResolvedSagasOptions,
          ev: ResolvedEventsOptions,
        ) => new SagaOrchestrator(store, writer, publisher, o, ev.service),
      },
      {
        provide: EventScheduler,
        inject: [SagaStore, EventPublisher, RESOLVED_EVENTS_OPTIONS],
        useFactory: (store: SagaStore, publisher: EventPublisher, ev: ResolvedEventsOptions) =>
          new EventScheduler(store, publisher, ev.service),
      },
      {
        // every event delivered to a handler of this instance feeds the in-process waits
        provide: FanIn,
        inject: [{ token: EventsRuntime, optional: true }],
        useFactory: (runtime: EventsRuntime | undefined) => {
          const fanIn = new FanIn();
          runtime?.observers.add({
            delivery: ({ envelope, outcome }) => {
              if (envelope && outcome !== 'dead-lettered')
                fanIn.notify({
                  type: envelope.type,
                  id: envelope.id,
                  correlationId: envelope.correlationId,
                  data: envelope.data,
                });
            },
          });
          return fanIn;
        },
      },
      SagaQueueConsumer,
    ];
    if (types.length > 0) {
      const consumer = createSagaEventsConsumer(types);
      providers.push(
        {
          provide: SagaAwaitHandler,
          inject: [SagaStore, SagaEngine, SagaTransitionWriter, RESOLVED_SAGAS_OPTIONS],
          useFactory: (
            store: SagaStore,
            engine: SagaEngine,
            writer: SagaTransitionWriter,
            o: ResolvedSagasOptions,
          ) => new SagaAwaitHandler(store, engine, writer, o),
        },
        { provide: consumer, useClass: consumer },
      );
    }
    return {
      module: SagasModule,
      global: true,
      providers,
      exports: [SagaOrchestrator, EventScheduler, FanIn, SagaMetrics, RESOLVED_SAGAS_OPTIONS],
    };
  }
}
