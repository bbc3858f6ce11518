import 'reflect-metadata';
import { Logger, Module, type INestApplicationContext, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventsModule, type EventsModuleOptions } from 'nestjs-amqp-events';
import { AMQP_URL } from './broker.js';

export interface TestAppOptions extends Partial<EventsModuleOptions> {
  exchange: string;
  service: string;
}

/** Boots a real Nest application context with EventsModule against the local RabbitMQ. */
export async function createEventsApp(options: TestAppOptions, providers: Provider[] = []): Promise<INestApplicationContext> {
  @Module({
    imports: [EventsModule.forRoot({ uri: AMQP_URL, ...options })],
    providers,
  })
  class TestAppModule {}
  const app = await NestFactory.createApplicationContext(TestAppModule, {
    logger: process.env.TEST_LOGS ? new Logger() : false,
  });
  return app;
}
