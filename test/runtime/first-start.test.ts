import { Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPublisher, EventsModule, OnEvent } from 'nestjs-amqp-events';
import { AMQP_URL, deleteTopology, queueDepth, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';

describe("a service's very first start", () => {
  const exchange = uniqueName('first');
  const service = uniqueName('svc');
  const seen: unknown[] = [];

  afterAll(() => deleteTopology(exchange, [`${service}.Welcome.onStarted`]));

  it('delivers an event published (and awaited) in onModuleInit to its own handler, not to unrouted', async () => {
    @Injectable()
    class Welcome implements OnModuleInit {
      constructor(private readonly events: EventPublisher) {}
      async onModuleInit() {
        await this.events.publish('Service.started', { at: 1 }); // before the handler subscribed
      }
      @OnEvent('Service.started') onStarted(data: unknown) {
        seen.push(data);
      }
    }
    @Module({ imports: [EventsModule.forRoot({ uri: AMQP_URL, exchange, service })], providers: [Welcome] })
    class FirstStartModule {}
    const app = await NestFactory.createApplicationContext(FirstStartModule, {
      logger: process.env.TEST_LOGS ? new Logger() : false,
      abortOnError: false,
    });
    try {
      await waitFor(() => seen.length === 1, 'the startup event at its own handler');
      expect(seen).toEqual([{ at: 1 }]);
      expect(await queueDepth(`${exchange}.unrouted`)).toBe(0);
    } finally {
      await app.close();
    }
  });
});
