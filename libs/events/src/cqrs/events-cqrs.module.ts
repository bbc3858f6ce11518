import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { RequestSender } from '../delivery/request-sender.js';
import { EventsRuntime } from '../runtime/events-runtime.js';
import { CqrsEventsBridge } from './cqrs-events.bridge.js';
import { EVENTS_CQRS_OPTIONS, type EventsCqrsOptions } from './cqrs-metadata.js';
import { RemoteCommandBus, RemoteQueryBus } from './remote-request.bus.js';
import { RemoteRequestServer } from './remote-request.server.js';

/**
 * Not global on purpose: its bootstrap hooks then run after those of the global CqrsModule and
 * EventsModule, so sagas and command handlers are registered before any message is consumed.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [CqrsEventsBridge, RemoteRequestServer],
})
class EventsCqrsBridgeModule {}

/**
 * The `@nestjs/cqrs` bridge. Import once, next to `CqrsModule.forRoot()` and `EventsModule.forRoot()`:
 * integration events published on the EventBus go to RabbitMQ, received ones reach `@EventsHandler`s
 * and sagas, and `RemoteCommandBus` / `RemoteQueryBus` are injectable everywhere. See docs/cqrs.md.
 */
@Module({})
export class EventsCqrsModule {
  static forRoot(options: EventsCqrsOptions = {}): DynamicModule {
    return {
      module: EventsCqrsModule,
      global: true,
      imports: [EventsCqrsBridgeModule],
      providers: [
        { provide: EVENTS_CQRS_OPTIONS, useValue: options },
        {
          provide: RequestSender,
          inject: [EventsRuntime],
          useFactory: (rt: EventsRuntime) => new RequestSender(rt.transport, rt.waiter, rt.options),
        },
        RemoteCommandBus,
        RemoteQueryBus,
      ],
      exports: [EVENTS_CQRS_OPTIONS, RemoteCommandBus, RemoteQueryBus],
    };
  }
}
