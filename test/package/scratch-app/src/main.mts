import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { EventPublisher, InvalidOptionsError } from 'nestjs-amqp-events';
import type { EventsCqrsModule } from 'nestjs-amqp-events/cqrs';
import type { EventsTestingModule } from 'nestjs-amqp-events/testing';
// @ts-expect-error internals are not exported: only the entry points listed in package.json are
import type { ManagedConnection } from 'nestjs-amqp-events/amqp/managed-connection';
import { AppModule, firstDelivery, received } from './app.module.mjs';

export type SubpathsResolve = [EventsCqrsModule, EventsTestingModule, ManagedConnection];

const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
const receipt = await app.get(EventPublisher).publish('Pack.checked', { ok: true });
const timer = setTimeout(() => {
  console.error('no delivery within 15 s');
  process.exit(2);
}, 15_000);
await firstDelivery;
clearTimeout(timer);
await app.close();
console.log(
  JSON.stringify({ published: receipt.id, received, invalidOptionsError: typeof InvalidOptionsError }),
);
