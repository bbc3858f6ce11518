import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { EventSourcingModuleOptions } from './event-sourcing.options.js';

export const {
  ConfigurableModuleClass: EventSourcingConfigurableModule,
  MODULE_OPTIONS_TOKEN: EVENT_SOURCING_MODULE_OPTIONS,
  OPTIONS_TYPE: EVENT_SOURCING_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: EVENT_SOURCING_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<EventSourcingModuleOptions>({ moduleName: 'EventSourcing' })
  .setClassMethodName('forRoot')
  .build();

export const RESOLVED_EVENT_SOURCING_OPTIONS = Symbol('nestjs-amqp-events:event-sourcing-options');

/**
 * The UpcasterRegistry of `EventSourcingModule.forRoot({ upcasters })`: inject it (optionally) where events
 * are decoded from the bus, and call `upcastEvent(registry, type, version, data)`.
 */
export const EVENT_UPCASTER_REGISTRY = Symbol('nestjs-amqp-events:upcaster-registry');
