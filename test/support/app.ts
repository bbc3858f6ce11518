import 'reflect-metadata';
import {
  Logger,
  Module,
  type INestApplicationContext,
  type LoggerService,
  type Provider,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventsModule, type EventsModuleOptions } from 'nestjs-amqp-events';
import { AMQP_URL } from './broker.js';

export interface TestAppOptions extends Partial<EventsModuleOptions> {
  exchange: string;
  service: string;
}

export interface TestAppContextOptions {
  /** Replaces the default logger (silent unless TEST_LOGS is set), e.g. a CaptureLogger. */
  logger?: LoggerService | false;
}

/**
 * Boots a real Nest application context with EventsModule against the local RabbitMQ.
 * Startup errors reject the returned promise (abortOnError: false) instead of aborting the test process.
 */
export async function createEventsApp(
  options: TestAppOptions,
  providers: Provider[] = [],
  context: TestAppContextOptions = {},
): Promise<INestApplicationContext> {
  @Module({
    imports: [EventsModule.forRoot({ uri: AMQP_URL, ...options })],
    providers,
  })
  class TestAppModule {}
  const app = await NestFactory.createApplicationContext(TestAppModule, {
    logger: context.logger !== undefined ? context.logger : process.env.TEST_LOGS ? new Logger() : false,
    abortOnError: false,
  });
  return app;
}
