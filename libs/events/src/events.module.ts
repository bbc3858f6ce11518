import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { DEFAULT_BUS, RESOLVED_EVENTS_OPTIONS } from './constants.js';
import { DeadLetterService } from './dead-letter/dead-letter.service.js';
import { EventHandlersExplorer } from './discovery/event-handlers.explorer.js';
import {
  EVENTS_ASYNC_OPTIONS_TYPE,
  EVENTS_MODULE_OPTIONS,
  EVENTS_OPTIONS_TYPE,
  EventsConfigurableModule,
} from './events-module.definition.js';
import { EventsHealthIndicator } from './health/events-health.indicator.js';
import type { EventsModuleOptions } from './interfaces/events-module-options.interface.js';
import {
  getDeadLetterServiceToken,
  getEventPublisherToken,
  getEventsHealthToken,
  getEventsMetricsToken,
  getEventsRuntimeToken,
  getEventSubscriberToken,
} from './nest/bus-tokens.js';
import { EventSubscriber } from './runtime/event-subscriber.js';
import { EventsBusLifecycle } from './nest/events-bus.lifecycle.js';
import { HandlerInvokerFactory } from './nest/handler-invoker.factory.js';
import { resolveOptions } from './options/resolve-options.js';
import type { ResolvedEventsOptions } from './options/resolved-options.js';
import { EVENTS_PERSISTENCE, type EventsPersistence } from './persistence-seam.js';
import { createEventsRuntime, type EventsRuntime } from './runtime/events-runtime.js';
import { EVENTS_MEMORY_BROKER } from './transport/memory/memory-broker.token.js';
import type { MemoryBroker } from './transport/memory/memory-broker.js';

/**
 * `EventsModule.forRoot(options)` / `forRootAsync({ imports, inject, useFactory })`. Global: import it
 * once in the root module; `EventPublisher`, `DeadLetterService` and `EventsHealthIndicator` are then
 * injectable everywhere, and `@OnEvent` methods of every provider are subscribed at bootstrap.
 * Import it again with another `name` for a second bus (`@InjectEventPublisher(name)`,
 * `@OnEvent(pattern, { bus: name })`).
 */
@Module({})
export class EventsModule extends EventsConfigurableModule {
  static override forRoot(options: typeof EVENTS_OPTIONS_TYPE): DynamicModule {
    return withBus(super.forRoot(options), options.name);
  }

  static override forRootAsync(options: typeof EVENTS_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withBus(super.forRootAsync(options), options.name);
  }
}

/** The providers of one bus, under tokens of its name; the default bus also under the class tokens. */
function withBus(definition: DynamicModule, name: string | undefined): DynamicModule {
  const bus = name ?? DEFAULT_BUS;
  const runtimeToken = getEventsRuntimeToken(bus);
  const resolvedToken =
    bus === DEFAULT_BUS ? RESOLVED_EVENTS_OPTIONS : Symbol.for(`nestjs-amqp-events:options:${bus}`);
  const fromRuntime = (
    token: ReturnType<typeof getEventsRuntimeToken>,
    make: (rt: EventsRuntime) => unknown,
  ): Provider => ({
    provide: token,
    inject: [runtimeToken],
    useFactory: make,
  });
  const providers: Provider[] = [
    ...(definition.providers ?? []),
    {
      provide: resolvedToken,
      inject: [EVENTS_MODULE_OPTIONS],
      useFactory: (options: EventsModuleOptions) => resolveOptions({ ...options, name: bus }),
    },
    {
      // loaded only when configured, so apps without persistence never load TypeORM
      provide: EVENTS_PERSISTENCE,
      inject: [resolvedToken],
      useFactory: async (options: ResolvedEventsOptions) => {
        if (!options.persistence) return undefined;
        const { createTypeOrmPersistence } = await import('./persistence/typeorm-persistence.factory.js');
        return createTypeOrmPersistence(options);
      },
    },
    {
      provide: runtimeToken,
      inject: [resolvedToken, EVENTS_PERSISTENCE, { token: EVENTS_MEMORY_BROKER, optional: true }],
      useFactory: (
        options: ResolvedEventsOptions,
        persistence: EventsPersistence | undefined,
        memoryBroker: MemoryBroker | undefined,
      ) => createEventsRuntime(options, { persistence, memoryBroker }),
    },
    fromRuntime(getEventPublisherToken(bus), (rt) => rt.publisher),
    fromRuntime(getEventsMetricsToken(bus), (rt) => rt.metrics),
    fromRuntime(getDeadLetterServiceToken(bus), (rt) => new DeadLetterService(rt)),
    fromRuntime(getEventsHealthToken(bus), (rt) => new EventsHealthIndicator(rt)),
    fromRuntime(getEventSubscriberToken(bus), (rt) => new EventSubscriber(rt)),
    {
      provide: Symbol.for(`nestjs-amqp-events:lifecycle:${bus}`),
      inject: [runtimeToken, EventHandlersExplorer, DiscoveryService],
      useFactory: (rt: EventsRuntime, explorer: EventHandlersExplorer, discovery: DiscoveryService) =>
        new EventsBusLifecycle(rt, explorer, discovery),
    },
    HandlerInvokerFactory,
    EventHandlersExplorer,
  ];
  const exported = [
    getEventPublisherToken(bus),
    getEventsMetricsToken(bus),
    getDeadLetterServiceToken(bus),
    getEventsHealthToken(bus),
    runtimeToken,
    resolvedToken,
  ];
  return {
    ...definition,
    global: true,
    imports: [...(definition.imports ?? []), DiscoveryModule],
    providers,
    exports: exported,
  };
}
