import { Module, type DynamicModule } from '@nestjs/common';
import { EventsModule } from '../events.module.js';
import type { EventsModuleOptions } from '../interfaces/events-module-options.interface.js';
import { getEventsRuntimeToken } from '../nest/bus-tokens.js';
import type { EventsRuntime } from '../runtime/events-runtime.js';
import { MemoryBroker } from '../transport/memory/memory-broker.js';
import { EVENTS_MEMORY_BROKER } from '../transport/memory/memory-broker.token.js';
import { EventsTestHarness } from './events-test.harness.js';

export type EventsTestingOptions = Partial<Omit<EventsModuleOptions, 'transport' | 'uri'>>;

/**
 * Stands in for `EventsModule` in a test module: the same `@OnEvent` handlers run in-process on the
 * memory transport (same routing, one queue per handler, same retry decisions and backoff, dead
 * letters, delays), with a fresh broker per module, and `EventsTestHarness` to inject. No broker, no
 * network. `service` defaults to 'test'.
 */
@Module({})
export class EventsTestingModule {
  static forRoot(options: EventsTestingOptions = {}): DynamicModule {
    const broker = new MemoryBroker();
    const events = EventsModule.forRoot({ service: 'test', ...options, transport: 'memory' });
    return {
      module: EventsTestingModule,
      global: true,
      imports: [events],
      providers: [
        { provide: EVENTS_MEMORY_BROKER, useValue: broker },
        {
          provide: EventsTestHarness,
          inject: [getEventsRuntimeToken(options.name)],
          useFactory: (runtime: EventsRuntime) => new EventsTestHarness(runtime, broker),
        },
      ],
      exports: [EVENTS_MEMORY_BROKER, EventsTestHarness],
    };
  }
}
