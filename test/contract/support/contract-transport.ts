import 'reflect-metadata';
import {
  Global,
  Logger,
  Module,
  type DynamicModule,
  type INestApplicationContext,
  type Provider,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventsModule, type EventsModuleOptions } from 'nestjs-amqp-events';
import { EVENTS_MEMORY_BROKER, MemoryBroker } from 'nestjs-amqp-events/testing';
import { AMQP_URL, connectRaw, deleteTopology, uniqueName } from '../../support/broker.js';

export type AppOptions = Partial<EventsModuleOptions> & { service: string };

/** One test's world: its own exchange, the apps it started, and how to reach its broker. */
export interface ContractScope {
  exchange: string;
  /** Starts a Nest application context with EventsModule on this scope's transport. */
  app(
    options: AppOptions,
    providers?: Provider[],
    imports?: Array<DynamicModule | (new () => unknown)>,
  ): Promise<INestApplicationContext>;
  /** Publishes raw bytes as a foreign producer would. */
  rawPublish(routingKey: string, content: Buffer, properties: Record<string, unknown>): Promise<void>;
  /** Closes every app and removes what the test declared. */
  close(queues?: string[]): Promise<void>;
}

export interface ContractTransport {
  name: 'amqp' | 'memory';
  scope(): ContractScope;
}

async function boot(
  imports: Array<DynamicModule | (new () => unknown)>,
  providers: Provider[],
): Promise<INestApplicationContext> {
  @Module({ imports, providers })
  class ContractAppModule {}
  return NestFactory.createApplicationContext(ContractAppModule, {
    logger: process.env.TEST_LOGS ? new Logger() : false,
    abortOnError: false,
  });
}

export const amqpTransport: ContractTransport = {
  name: 'amqp',
  scope() {
    const exchange = uniqueName('contract');
    const apps: INestApplicationContext[] = [];
    return {
      exchange,
      async app(options, providers = [], imports = []) {
        const app = await boot(
          [EventsModule.forRoot({ uri: AMQP_URL, exchange, reconnectDelayMs: 200, ...options }), ...imports],
          providers,
        );
        apps.push(app);
        return app;
      },
      async rawPublish(routingKey, content, properties) {
        const conn = await connectRaw();
        try {
          const ch = await conn.createConfirmChannel();
          ch.publish(exchange, routingKey, content, properties);
          await ch.waitForConfirms();
          await ch.close();
        } finally {
          await conn.close();
        }
      },
      async close(queues = []) {
        for (const a of apps.splice(0)) await a.close();
        await deleteTopology(exchange, queues);
      },
    };
  },
};

export const memoryTransport: ContractTransport = {
  name: 'memory',
  scope() {
    const exchange = uniqueName('contract');
    const broker = new MemoryBroker();
    @Global()
    @Module({
      providers: [{ provide: EVENTS_MEMORY_BROKER, useValue: broker }],
      exports: [EVENTS_MEMORY_BROKER],
    })
    class SharedBrokerModule {}
    const apps: INestApplicationContext[] = [];
    return {
      exchange,
      async app(options, providers = [], imports = []) {
        const app = await boot(
          [
            SharedBrokerModule,
            EventsModule.forRoot({ transport: 'memory', exchange, ...options }),
            ...imports,
          ],
          providers,
        );
        apps.push(app);
        return app;
      },
      async rawPublish(routingKey, content, properties) {
        broker.publish(exchange, routingKey, content, properties);
      },
      async close() {
        for (const a of apps.splice(0)) await a.close();
      },
    };
  },
};
