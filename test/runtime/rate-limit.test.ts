import { jest } from '@jest/globals';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  EventPublisher,
  EventsModule,
  RateLimitExceededError,
  type PublishRateLimit,
} from 'nestjs-amqp-events';
import { AMQP_URL, deleteTopology, uniqueName } from '../support/broker.js';

jest.setTimeout(30_000);

async function publisherApp(exchange: string, rateLimit: PublishRateLimit) {
  @Module({
    imports: [EventsModule.forRoot({ uri: AMQP_URL, exchange, service: uniqueName('limited'), rateLimit })],
  })
  class LimitedModule {}
  return NestFactory.createApplicationContext(LimitedModule, {
    logger: process.env.TEST_LOGS ? new Logger() : false,
    abortOnError: false,
  });
}

describe('publish rate limit (RabbitMQ)', () => {
  const exchange = uniqueName('rate');
  afterAll(() => deleteTopology(exchange));

  // 16 publishers, each awaiting its confirm: the limiter, not the confirm round trip, sets the pace even
  // when a loaded machine (a CI run) makes a confirm take 50 ms; with 4 the test measured the machine.
  it('holds 200 events/s within 10 % over 10 s under 16 concurrent publishers', async () => {
    const app = await publisherApp(exchange, { perSecond: 200, burst: 20 });
    try {
      const pub = app.get(EventPublisher);
      await pub.publish('Rate.warm', {}); // connects and declares before the clock starts
      const windowMs = 10_000;
      const started = performance.now();
      let confirmed = 0;
      const worker = async () => {
        while (performance.now() - started < windowMs) {
          await pub.publish('Rate.tick', { at: Date.now() });
          if (performance.now() - started <= windowMs) confirmed++;
        }
      };
      await Promise.all(Array.from({ length: 16 }, () => worker()));
      const elapsed = (performance.now() - started) / 1000;
      const expected = 200 * 10 + 20; // the rate over the window plus the burst
      expect(confirmed).toBeGreaterThan(expected * 0.9);
      expect(confirmed).toBeLessThan(expected * 1.1);
      expect(elapsed).toBeLessThan(11);
    } finally {
      await app.close();
    }
  });

  it("rejects at once with RateLimitExceededError when whenLimited is 'fail', per type pattern too", async () => {
    const app = await publisherApp(exchange, {
      perSecond: 1000,
      whenLimited: 'fail',
      types: { 'Bulk.#': { perSecond: 1, burst: 2 } },
    });
    const pub = app.get(EventPublisher);
    await pub.publish('Bulk.import', { n: 1 });
    await pub.publish('Bulk.import', { n: 2 });
    const err = await pub.publish('Bulk.import', { n: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitExceededError);
    expect((err as Error).message).toMatch(/1\/s for "Bulk\.#"/);
    await expect(pub.publish('Order.created', {})).resolves.toMatchObject({ confirmed: true }); // other types unaffected
    await app.close();
  });
});
