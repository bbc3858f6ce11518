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
import { AMQP_URL } from '../../support/broker.js';

/**
 * Boots a Nest application context with EventsModule against the local RabbitMQ; a startup error
 * rejects (abortOnError: false) instead of aborting the test process.
 */
export async function startApp(
  options: Partial<EventsModuleOptions> & { exchange: string; service: string },
  providers: Provider[] = [],
  logger?: LoggerService,
): Promise<INestApplicationContext> {
  @Module({ imports: [EventsModule.forRoot({ uri: AMQP_URL, ...options })], providers })
  class RetriesTestModule {}
  return NestFactory.createApplicationContext(RetriesTestModule, {
    logger: logger ?? (process.env.TEST_LOGS ? new Logger() : false),
    abortOnError: false,
  });
}
