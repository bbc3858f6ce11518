import 'reflect-metadata';
import { Logger, Module, type INestApplicationContext, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { EventsModule, type EventsModuleOptions } from 'nestjs-amqp-events';
import { EventsCqrsModule } from 'nestjs-amqp-events/cqrs';
import { AMQP_URL, connectRaw } from '../support/broker.js';

/** A Nest application context with CqrsModule, EventsModule and the cqrs bridge, against the local RabbitMQ. */
export async function createCqrsApp(
  options: Partial<EventsModuleOptions> & { exchange: string; service: string },
  providers: Provider[],
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      CqrsModule.forRoot(),
      EventsModule.forRoot({ uri: AMQP_URL, ...options }),
      EventsCqrsModule.forRoot(),
    ],
    providers,
  })
  class CqrsTestAppModule {}
  return NestFactory.createApplicationContext(CqrsTestAppModule, {
    logger: process.env.TEST_LOGS ? new Logger() : false,
    abortOnError: false,
  });
}

/** Deletes queues (and their DLQs) and exchanges the shared deleteTopology() does not know about. */
export async function deleteExtra(queues: string[], exchanges: string[] = []): Promise<void> {
  const conn = await connectRaw();
  try {
    const ch = await conn.createChannel();
    for (const q of queues) {
      await ch.deleteQueue(q);
      await ch.deleteQueue(`${q}.dlq`);
    }
    for (const e of exchanges) await ch.deleteExchange(e);
    await ch.close();
  } finally {
    await conn.close();
  }
}
