import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { EventsModuleOptions } from './interfaces/events-module-options.interface.js';

export const {
  ConfigurableModuleClass: EventsConfigurableModule,
  MODULE_OPTIONS_TOKEN: EVENTS_MODULE_OPTIONS,
  OPTIONS_TYPE: EVENTS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: EVENTS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<EventsModuleOptions>({ moduleName: 'Events' }).setClassMethodName('forRoot').build();
