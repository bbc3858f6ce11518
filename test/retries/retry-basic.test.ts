import { Injectable } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import {
  DeadLetterService,
  EventPublisher,
  NonRetryableError,
  OnEvent,
  type EventContext,
} from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';

describe('retries through the delay levels', () => {
  const exchange = uniqueName('retry');
  const service = uniqueName('svc');
  let app: INestApplicationContext;
  const attempts: Array<{ attempt: number; max: number; at: number }> = [];
  const delayed: number[] = [];

  @Injectable()
  class Flaky {
    @OnEvent('Job.run', { retry: { maxAttempts: 4, backoff: 'exponential', initialDelayMs: 200 } })
    run(_data: unknown, ctx: EventContext) {
      attempts.push({ attempt: ctx.attempt, max: ctx.maxAttempts, at: Date.now() });
      if (ctx.attempt < 3) throw new Error(`boom ${ctx.attempt}`);
    }

    @OnEvent('Job.fatal', { retry: { maxAttempts: 5, initialDelayMs: 100 } })
    fatal() {
      throw new NonRetryableError('bad input');
    }

    @OnEvent('Job.later')
    later(data: { at: number }) {
      delayed.push(Date.now() - data.at);
    }
  }

  beforeAll(async () => {
    app = await createEventsApp({ exchange, service }, [Flaky]);
  });
  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, [
      `${service}.Flaky.run`,
      `${service}.Flaky.fatal`,
      `${service}.Flaky.later`,
    ]);
  });

  it('retries a failing handler on the backoff schedule and succeeds on attempt 3', async () => {
    await app.get(EventPublisher).publish('Job.run', { n: 1 });
    await waitFor(() => attempts.length === 3, '3 attempts', 10_000);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(attempts[0].max).toBe(4);
    const gap1 = attempts[1].at - attempts[0].at;
    const gap2 = attempts[2].at - attempts[1].at;
    expect(gap1).toBeGreaterThanOrEqual(200);
    expect(gap1).toBeLessThan(200 + 1000);
    expect(gap2).toBeGreaterThanOrEqual(400);
    expect(gap2).toBeLessThan(400 + 1000);
  });

  it('dead-letters a NonRetryableError after one attempt with the reason in headers', async () => {
    const dls = app.get(DeadLetterService);
    const { id } = await app.get(EventPublisher).publish('Job.fatal', { n: 2 });
    const letters = await waitFor(async () => {
      const l = await dls.list(`${service}.Flaky.fatal`);
      return l.length === 1 ? l : undefined;
    }, 'the dead letter');
    expect(letters[0]).toMatchObject({
      id,
      reason: 'non-retryable',
      errorName: 'NonRetryableError',
      errorMessage: 'bad input',
      attempts: 1,
    });
  });

  it('delivers a delayed event no earlier than its delay', async () => {
    await app.get(EventPublisher).publish('Job.later', { at: Date.now() }, { delay: 1500 });
    await waitFor(() => delayed.length === 1, 'the delayed event', 5000);
    expect(delayed[0]).toBeGreaterThanOrEqual(1500);
    expect(delayed[0]).toBeLessThan(2500);
  });
});
