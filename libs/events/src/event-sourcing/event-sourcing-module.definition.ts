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
