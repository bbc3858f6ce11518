import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { RESOLVED_EVENTS_OPTIONS } from './constants.js';
import { InvalidOptionsError } from './errors/invalid-options.error.js';
import { AmqpEventsTransport } from './amqp/amqp-events.transport.js';
import { EventsConsumerService } from './consumer/events-consumer.service.js';
import { DeadLetterService } from './dead-letter/dead-letter.service.js';
import { EventHandlersExplorer } from './discovery/event-handlers.explorer.js';
import { EVENTS_MODULE_OPTIONS, EventsConfigurableModule } from './events-module.definition.js';
import { EventsHealthIndicator } from './health/events-health.indicator.js';
import type { EventsModuleOptions } from './interfaces/events-module-options.interface.js';
import { EventsMetrics } from './observability/events-metrics.js';
import { resolveOptions } from './options/resolve-options.js';
import type { ResolvedEventsOptions } from './options/resolved-options.js';
import { EventPublisher } from './publisher/event-publisher.js';
import { DeliveryWaiter } from './delivery/delivery-waiter.js';
import { EVENTS_PERSISTENCE } from './persistence-seam.js';

/**
 * `EventsModule.forRoot(options)` / `forRootAsync({ imports, inject, useFactory })`. Global: import it
 * once in the root module; `EventPublisher`, `DeadLetterService` and `EventsHealthIndicator` are then
 * injectable everywhere, and `@OnEvent` methods of every provider are subscribed at bootstrap.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: RESOLVED_EVENTS_OPTIONS,
      inject: [EVENTS_MODULE_OPTIONS],
      useFactory: (options: EventsModuleOptions) => resolveOptions(options),
    },
    {
      provide: EventsMetrics,
      inject: [RESOLVED_EVENTS_OPTIONS],
      useFactory: (options: ResolvedEventsOptions) => new EventsMetrics(options.service),
    },
    {
      provide: AmqpEventsTransport,
      inject: [RESOLVED_EVENTS_OPTIONS],
      useFactory: (options: ResolvedEventsOptions) => {
        if (options.transport !== 'amqp') {
          throw new InvalidOptionsError('transport', `"${options.transport}" is not available in this version; use 'amqp'`);
        }
        // connects in EventsConsumerService.onApplicationBootstrap, once every provider was created, so a
        // provider that fails to build never leaves a connection (and its reconnect timer) behind
        return new AmqpEventsTransport(options);
      },
    },
    {
      // loaded only when configured, so apps without persistence never load TypeORM
      provide: EVENTS_PERSISTENCE,
      inject: [RESOLVED_EVENTS_OPTIONS],
      useFactory: async (options: ResolvedEventsOptions) => {
        if (!options.persistence) return undefined;
        const { createTypeOrmPersistence } = await import('./persistence/typeorm-persistence.factory.js');
        return createTypeOrmPersistence(options);
      },
    },
    {
      // reply queue of waitForDelivery / request-reply: declared at first use only
      provide: DeliveryWaiter,
      inject: [AmqpEventsTransport, RESOLVED_EVENTS_OPTIONS],
      useFactory: (transport: AmqpEventsTransport, options: ResolvedEventsOptions) => new DeliveryWaiter(transport, options),
    },
    EventPublisher,
    EventHandlersExplorer,
    EventsConsumerService,
    DeadLetterService,
    EventsHealthIndicator,
  ],
  // AmqpEventsTransport and DeliveryWaiter: for the cqrs and microservices integrations (internal API)
  exports: [EventPublisher, DeadLetterService, EventsHealthIndicator, EventsMetrics, RESOLVED_EVENTS_OPTIONS, AmqpEventsTransport, DeliveryWaiter],
})
export class EventsModule extends EventsConfigurableModule {}
