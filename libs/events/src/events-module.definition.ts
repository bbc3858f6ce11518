import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { EventsModuleOptions } from './interfaces/events-module-options.interface.js';

/** Given next to `useFactory` in `forRootAsync` (DI tokens depend on it); in `forRoot`, part of the options. */
export interface EventsModuleExtras {
  /** Bus name (DESIGN §14). @default 'default' */
  name?: string;
}

export const {
  ConfigurableModuleClass: EventsConfigurableModule,
  MODULE_OPTIONS_TOKEN: EVENTS_MODULE_OPTIONS,
  OPTIONS_TYPE: EVENTS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: EVENTS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<EventsModuleOptions>({ moduleName: 'Events' })
  .setClassMethodName('forRoot')
  .setExtras<EventsModuleExtras>({ name: undefined })
  .build();
