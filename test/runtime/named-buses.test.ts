import { Injectable, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  DeadLetterService,
  EventPublisher,
  EventsHealthIndicator,
  EventsModule,
  getDeadLetterServiceToken,
  getEventsHealthToken,
  InjectEventPublisher,
  OnEvent,
  type EventContext,
} from 'nestjs-amqp-events';
import { AMQP_URL, deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';

const main = uniqueName('bus-main');
const audit = uniqueName('bus-audit');
const service = uniqueName('svc');
const seen: string[] = [];

@Injectable()
class Handlers {
  @OnEvent('Order.created') onMain(_d: unknown, c: EventContext) {
    seen.push(`main:${c.type}:${c.source}`);
  }

  @OnEvent('Order.created', { bus: 'audit' }) onAudit(_d: unknown, c: EventContext) {
    seen.push(`audit:${c.type}:${c.source}`);
  }
}

@Injectable()
class Publishers {
  constructor(
    readonly main: EventPublisher,
    @InjectEventPublisher('audit') readonly audit: EventPublisher,
  ) {}
}

describe('named buses', () => {
  afterAll(async () => {
    await deleteTopology(main, [`${service}.Handlers.onMain`]);
    await deleteTopology(audit, [`${service}-audit.Handlers.onAudit`]);
  });

  it('runs two buses in one app with their own exchanges, publishers, handlers, dead letters and health, without cross-talk', async () => {
    @Module({
      imports: [
        EventsModule.forRoot({ uri: AMQP_URL, exchange: main, service }),
        EventsModule.forRootAsync({
          name: 'audit',
          useFactory: () => ({ uri: AMQP_URL, exchange: audit, service: `${service}-audit` }),
        }),
      ],
      providers: [Handlers, Publishers],
    })
    class TwoBusesModule {}
    const app = await NestFactory.createApplicationContext(TwoBusesModule, {
      logger: process.env.TEST_LOGS ? new Logger() : false,
      abortOnError: false,
    });
    try {
      const pubs = app.get(Publishers);
      expect(pubs.main).not.toBe(pubs.audit);
      expect(pubs.audit.bus).toBe('audit');
      await pubs.main.publish('Order.created', { n: 1 });
      await waitFor(() => seen.includes(`main:Order.created:${service}`), 'the main bus delivery');
      await pubs.audit.publish('Order.created', { n: 2 });
      await waitFor(() => seen.includes(`audit:Order.created:${service}-audit`), 'the audit bus delivery');
      // give a stray cross-bus delivery the time to show up
      await pubs.main.publish('Order.created', { n: 3 }, { waitForDelivery: { timeoutMs: 5000 } });
      expect(seen.filter((s) => s.startsWith('audit:'))).toHaveLength(1);
      expect(seen.filter((s) => s.startsWith('main:'))).toHaveLength(2);
      expect(app.get(DeadLetterService).queueNames()).toEqual([`${service}.Handlers.onMain`]);
      expect(app.get<DeadLetterService>(getDeadLetterServiceToken('audit')).queueNames()).toEqual([
        `${service}-audit.Handlers.onAudit`,
      ]);
      expect(app.get(EventsHealthIndicator).isHealthy().rabbitmq).toMatchObject({
        status: 'up',
        bus: 'default',
        consumers: 2,
        activeConsumers: 2,
      }); // the handler and the reply queue of waitForDelivery
      expect(
        app.get<EventsHealthIndicator>(getEventsHealthToken('audit')).isHealthy('audit').audit,
      ).toMatchObject({ status: 'up', bus: 'audit', consumers: 1 });
    } finally {
      await app.close();
    }
  });
});
