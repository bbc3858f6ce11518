import 'reflect-metadata';
import { Logger, Module, type INestApplicationContext, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import {
  EventsModule,
  eventsPostgresMigrations,
  eventsSqliteMigrations,
  type EventsModuleOptions,
} from 'nestjs-amqp-events';
import {
  SagasModule,
  sagasPostgresMigrations,
  sagasSqliteMigrations,
  type SagasModuleOptions,
} from 'nestjs-amqp-events/sagas';
import { AMQP_URL } from '../../support/broker.js';
import { createTestDatabase, type Dialect, type TestDatabase } from '../../persistence/support/databases.js';

/** A test database with the events and the saga migrations run. */
export function createSagaDatabase(dialect: Dialect): Promise<TestDatabase> {
  return createTestDatabase(dialect, {
    migrations:
      dialect === 'postgres'
        ? [...eventsPostgresMigrations, ...sagasPostgresMigrations]
        : [...eventsSqliteMigrations, ...sagasSqliteMigrations],
  });
}

export interface SagaAppOptions {
  exchange: string;
  service: string;
  dataSource: DataSource;
  sagas: SagasModuleOptions;
  events?: Partial<EventsModuleOptions>;
}

/** An app with EventsModule (persistence on `dataSource`, quick relay) and SagasModule, initialized. */
export async function createSagaApp(
  options: SagaAppOptions,
  providers: Provider[] = [],
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      EventsModule.forRoot({
        uri: AMQP_URL,
        exchange: options.exchange,
        service: options.service,
        retry: { maxAttempts: 3, initialDelayMs: 100, backoff: 'fixed' },
        reconnectDelayMs: 200,
        persistence: { dataSource: options.dataSource, relayIntervalMs: 20 },
        ...options.events,
      }),
      SagasModule.forRoot(options.sagas),
    ],
    providers,
  })
  class SagaTestModule {}
  const app = await NestFactory.createApplicationContext(SagaTestModule, {
    logger: process.env.TEST_LOGS ? new Logger() : false,
    abortOnError: false,
  });
  await app.init();
  return app;
}

/** Queues the saga module declares for `service` (for deleteTopology). */
export const sagaQueues = (service: string, extra: string[] = []) => [
  `${service}.sagas`,
  `${service}.sagas-events`,
  ...extra,
];
