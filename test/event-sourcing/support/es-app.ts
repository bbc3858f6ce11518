import 'reflect-metadata';
import { Logger, Module, type INestApplicationContext, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventsModule, type EventsModuleOptions } from 'nestjs-amqp-events';
import { EventSourcingModule, type EventSourcingModuleOptions } from 'nestjs-amqp-events/event-sourcing';
import type { DataSource } from 'typeorm';
import { AMQP_URL } from '../../support/broker.js';

export interface EsAppOptions {
  dataSource: DataSource;
  /** With a bus: EventsModule with persistence on the same DataSource. Without: publish: false. */
  bus?: { exchange: string; service: string } & Partial<EventsModuleOptions>;
  es?: Omit<EventSourcingModuleOptions, 'dataSource'>;
}

/** A Nest app context with EventSourcingModule (and EventsModule + outbox when `bus` is given). */
export async function createEsApp(
  options: EsAppOptions,
  providers: Provider[] = [],
): Promise<INestApplicationContext> {
  const { dataSource, bus, es } = options;
  const imports = [];
  if (bus) {
    imports.push(
      EventsModule.forRoot({
        uri: AMQP_URL,
        retry: { maxAttempts: 3, initialDelayMs: 100, backoff: 'fixed' },
        reconnectDelayMs: 200,
        ...bus,
        persistence: { dataSource, relayIntervalMs: 50 },
      }),
    );
    imports.push(EventSourcingModule.forRoot({ ...es }));
  } else {
    imports.push(EventSourcingModule.forRoot({ dataSource, publish: false, ...es }));
  }
  @Module({ imports, providers })
  class EsTestModule {}
  const app = await NestFactory.createApplicationContext(EsTestModule, {
    logger: process.env.TEST_LOGS ? new Logger() : false,
    abortOnError: false,
  });
  app.enableShutdownHooks();
  return app;
}
