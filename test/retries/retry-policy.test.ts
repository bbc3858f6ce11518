import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { hostname } from 'node:os';
import {
  DeadLetterService,
  EventPublisher,
  HEADERS,
  NonRetryableError,
  OnEvent,
  type DeadLetter,
  type EventContext,
} from 'nestjs-amqp-events';
import { connectRaw, deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { startApp } from './support/app-context.js';

jest.setTimeout(30_000);

/** Tolerance for a retry gap: never shorter than the backoff, at most this much longer (DESIGN §5). */
const LATE_MS = 1000;

class ValidationFailed extends Error {}
class BadInput extends NonRetryableError {}

interface Seen {
  attempt: number;
  max: number;
  at: number;
  redelivered: boolean;
}

describe('retry policy: schedule, merge order, non-retryable errors, DLQ headers', () => {
  const exchange = uniqueName('retry-policy');
  const service = uniqueName('svc');
  const seen = new Map<string, Seen[]>();
  const record = (key: string, ctx: EventContext) => {
    const list = seen.get(key) ?? [];
    list.push({ attempt: ctx.attempt, max: ctx.maxAttempts, at: Date.now(), redelivered: ctx.redelivered });
    seen.set(key, list);
  };
  const attemptsOf = (key: string) => (seen.get(key) ?? []).map((s) => [s.attempt, s.max]);
  let app: INestApplicationContext;
  let publisher: EventPublisher;
  let dls: DeadLetterService;

  @Injectable()
  class Policies {
    @OnEvent('Flaky.linear', { retry: { maxAttempts: 4, backoff: 'linear', initialDelayMs: 250 } })
    linear(_d: unknown, ctx: EventContext) {
      record('linear', ctx);
      if (ctx.attempt < 3) throw new Error(`flaky ${ctx.attempt}`);
    }

    @OnEvent('Always.fail', { retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 100 } })
    always(_d: unknown, ctx: EventContext) {
      record('always', ctx);
      const e = new TypeError(`broken: ${'x'.repeat(5000)}`);
      e.stack = `${e.name}: ${e.message}\n${'    at deep (frame.ts:1:1)\n'.repeat(400)}`;
      throw e;
    }

    @OnEvent('Default.fail')
    moduleDefault(_d: unknown, ctx: EventContext) {
      record('default', ctx);
      throw new Error('default policy');
    }

    @OnEvent('NoRetry.fail', { retry: false })
    noRetry(_d: unknown, ctx: EventContext) {
      record('no-retry', ctx);
      throw new Error('no retry');
    }

    @OnEvent('Pub.fail')
    publisherPolicy(_d: unknown, ctx: EventContext) {
      record('pub:none', ctx);
      throw new Error('publisher policy');
    }

    @OnEvent('Pub.fail', { retry: { maxAttempts: 2, backoff: 'fixed', initialDelayMs: 50 } })
    ownPolicy(_d: unknown, ctx: EventContext) {
      record('pub:own', ctx);
      throw new Error('own policy');
    }

    @OnEvent('Reject.subclass', { retry: { maxAttempts: 5, initialDelayMs: 50 } })
    subclass(_d: unknown, ctx: EventContext) {
      record('subclass', ctx);
      throw new BadInput('bad input');
    }

    @OnEvent('Reject.listed', { retry: { maxAttempts: 5, initialDelayMs: 50 } })
    listed(_d: unknown, ctx: EventContext) {
      record('listed', ctx);
      throw new ValidationFailed('amount must be positive');
    }

    @OnEvent('Shared.evt', { retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 100 } })
    failer(_d: unknown, ctx: EventContext) {
      record('failer', ctx);
      if (ctx.attempt === 1) throw new Error('first try fails');
    }

    @OnEvent(['Shared.evt', 'Shared.marker'])
    observer(_d: unknown, ctx: EventContext) {
      record(`observer:${ctx.type}`, ctx);
    }
  }

  const q = (method: string) => `${service}.Policies.${method}`;
  const methods = [
    'linear',
    'always',
    'moduleDefault',
    'noRetry',
    'publisherPolicy',
    'ownPolicy',
    'subclass',
    'listed',
    'failer',
    'observer',
  ];

  async function deadLetter(method: string): Promise<DeadLetter> {
    return waitFor(
      async () => (await dls.list(q(method)))[0],
      `a dead letter in ${q(method)}.dlq`,
      10_000,
      50,
    );
  }

  beforeAll(async () => {
    app = await startApp(
      {
        exchange,
        service,
        retry: { maxAttempts: 2, backoff: 'fixed', initialDelayMs: 100 },
        nonRetryableErrors: [ValidationFailed],
      },
      [Policies],
    );
    publisher = app.get(EventPublisher);
    dls = app.get(DeadLetterService);
  });
  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, methods.map(q));
  });

  it('succeeds on attempt 3 after two failures, spaced by the linear schedule (250 ms, 500 ms; at most 1 s late)', async () => {
    await publisher.publish('Flaky.linear', { n: 1 });
    await waitFor(() => seen.get('linear')?.length === 3, '3 attempts', 10_000);
    const s = seen.get('linear')!;
    expect(s.map((a) => [a.attempt, a.max, a.redelivered])).toEqual([
      [1, 4, false],
      [2, 4, false],
      [3, 4, false],
    ]);
    const gaps = [s[1].at - s[0].at, s[2].at - s[1].at];
    expect(gaps[0]).toBeGreaterThanOrEqual(250);
    expect(gaps[0]).toBeLessThan(250 + LATE_MS);
    expect(gaps[1]).toBeGreaterThanOrEqual(500);
    expect(gaps[1]).toBeLessThan(500 + LATE_MS);
    expect(await dls.count(q('linear'))).toBe(0);
  });

  it('parks an always-failing event after maxAttempts with every failure header, the stack truncated', async () => {
    const before = Date.now();
    const { id } = await publisher.publish(
      'Always.fail',
      { order: 42 },
      { correlationId: 'corr-42', headers: { tenant: 'acme' } },
    );
    const letter = await deadLetter('always');
    expect(attemptsOf('always')).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(letter).toMatchObject({
      id,
      type: 'Always.fail',
      reason: 'max-attempts',
      errorName: 'TypeError',
      attempts: 3,
      handler: 'Policies.always',
      originalExchange: exchange,
      originalRoutingKey: 'Always.fail',
      host: hostname(),
      correlationId: 'corr-42',
      data: { order: 42 },
    });
    expect(letter.errorMessage!.startsWith('broken: xxx')).toBe(true);
    expect(letter.errorMessage!.length).toBeLessThan(1100);
    expect(letter.errorStack!.length).toBeLessThan(2100);
    expect(letter.errorStack).toMatch(/truncated\)$/);
    const first = Date.parse(letter.firstFailureAt!);
    const last = Date.parse(letter.failedAt!);
    expect(first).toBeGreaterThanOrEqual(before - 5);
    expect(last - first).toBeGreaterThanOrEqual(200); // two 100 ms backoffs between the first and the last failure
    expect(letter.headers.tenant).toBe('acme'); // the original headers are kept
    // the raw message: original body, no broker death headers (a copied x-death is a silent drop on RabbitMQ < 4.0.1)
    const conn = await connectRaw();
    try {
      const ch = await conn.createChannel();
      const raw = await ch.get(`${q('always')}.dlq`, { noAck: false });
      expect(raw && JSON.parse(raw.content.toString())).toEqual({ order: 42 });
      expect(raw ? raw.properties.messageId : undefined).toBe(id); // the event id travels in the messageId property (DESIGN §3)
      const h = raw ? raw.properties.headers! : {};
      expect(
        Object.keys(h).filter(
          (k) => k.startsWith('x-death') || k.startsWith('x-first-death') || k.startsWith('nae-'),
        ),
      ).toEqual([]);
      expect(h[HEADERS.originalQueue]).toBe(q('always'));
      await ch.close();
    } finally {
      await conn.close();
    }
  });

  it('uses the module default when the handler and the publisher set no policy', async () => {
    await publisher.publish('Default.fail', {});
    expect(await deadLetter('moduleDefault')).toMatchObject({ reason: 'max-attempts', attempts: 2 });
    expect(attemptsOf('default')).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });

  it('runs a `retry: false` handler once', async () => {
    await publisher.publish('NoRetry.fail', {});
    expect(await deadLetter('noRetry')).toMatchObject({ reason: 'max-attempts', attempts: 1 });
    expect(attemptsOf('no-retry')).toEqual([[1, 1]]);
  });

  it("uses the publisher's policy for a handler without one, and the handler's own policy over the publisher's", async () => {
    await publisher.publish(
      'Pub.fail',
      {},
      { retry: { maxAttempts: 4, backoff: 'fixed', initialDelayMs: 50 } },
    );
    expect(await deadLetter('publisherPolicy')).toMatchObject({ attempts: 4 });
    expect(await deadLetter('ownPolicy')).toMatchObject({ attempts: 2 });
    expect(attemptsOf('pub:none')).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
    expect(attemptsOf('pub:own')).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });

  it('dead-letters a NonRetryableError subclass and a class listed in nonRetryableErrors after one attempt', async () => {
    await publisher.publish('Reject.subclass', {});
    await publisher.publish('Reject.listed', {});
    expect(await deadLetter('subclass')).toMatchObject({
      reason: 'non-retryable',
      errorName: 'BadInput',
      attempts: 1,
    });
    expect(await deadLetter('listed')).toMatchObject({
      reason: 'non-retryable',
      errorName: 'ValidationFailed',
      errorMessage: 'amount must be positive',
      attempts: 1,
    });
    expect(attemptsOf('subclass')).toEqual([[1, 5]]);
    expect(attemptsOf('listed')).toEqual([[1, 5]]);
  });

  it("never shows one handler's retry to another handler of the same event", async () => {
    await publisher.publish('Shared.evt', { n: 1 });
    await waitFor(() => seen.get('failer')?.length === 2, 'the retry of the failing handler', 5000);
    // the observer's queue is FIFO: a marker published after the retry arrives after anything routed before it
    await publisher.publish('Shared.marker', {});
    await waitFor(() => seen.get('observer:Shared.marker')?.length === 1, 'the marker', 5000);
    expect(attemptsOf('failer')).toEqual([
      [1, 3],
      [2, 3],
    ]);
    expect(attemptsOf('observer:Shared.evt')).toEqual([[1, 2]]); // once, with the module default policy
  });
});
