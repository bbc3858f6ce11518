import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import {
  AccessRefusedError,
  DeadLetterService,
  EventPublisher,
  NonRetryableError,
  OnEvent,
  PublishError,
  type EventContext,
} from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { uniqueName } from '../support/broker.js';
import { CaptureLogger } from '../support/capture-logger.js';
import { waitFor } from '../support/wait.js';
import { createTestVhost, servicePermissions, uniqueUser, type TestVhost } from './support/broker-users.js';

jest.setTimeout(40_000);

/**
 * The library runs under a broker user that may touch only the objects it declares for its service
 * (docs/security.md): configure/write/read regexes from `servicePermissions()`, topic permissions
 * limiting the event types it may publish. Everything it needs works; what the user may not do becomes
 * a typed error, the connection stays up and allowed work goes on.
 */
describe('least privilege: a broker user per service', () => {
  const exchange = uniqueName('lp');
  const service = uniqueName('billing');
  const user = uniqueUser('lp-billing');
  const password = 'lp-pw';
  const logger = new CaptureLogger();
  const seen: Array<{ id: string; type: string; attempt: number }> = [];
  let vhost: TestVhost;
  let app: INestApplicationContext;

  @Injectable()
  class Billing {
    @OnEvent('Order.*', { retry: { maxAttempts: 2, initialDelayMs: 20 } })
    onOrder(data: { fail?: 'once' | 'always' }, ctx: EventContext) {
      seen.push({ id: ctx.id, type: ctx.type, attempt: ctx.attempt });
      if (data.fail === 'always') throw new NonRetryableError('declined for good');
      if (data.fail === 'once' && ctx.attempt === 1) throw new Error('try again');
    }
  }

  beforeAll(async () => {
    vhost = await createTestVhost('sec-lp');
    await vhost.addUser(user, password, servicePermissions(service, exchange));
    // may publish Order.* and Invoice.* on the events exchange, nothing else; may bind any pattern
    await vhost.setTopicPermissions(user, exchange, '^(Order|Invoice)\\..+$', '.*');
    app = await createEventsApp(
      { exchange, service, uri: vhost.uri(user, password), publishTimeoutMs: 5000 },
      [Billing],
      { logger },
    );
  });

  afterAll(async () => {
    await app?.close();
    await vhost?.remove();
  });

  it('publishes, consumes, retries and dead-letters under the restricted user', async () => {
    const events = app.get(EventPublisher);
    const ok = await events.publish('Order.created', {});
    const retried = await events.publish('Order.updated', { fail: 'once' });
    const parked = await events.publish('Order.cancelled', { fail: 'always' });
    await waitFor(() => seen.some((s) => s.id === ok.id), 'the plain event');
    await waitFor(() => seen.some((s) => s.id === retried.id && s.attempt === 2), 'the retry');
    const dlq = app.get(DeadLetterService);
    const letters = await waitFor(async () => {
      const l = await dlq.list();
      return l.some((x) => x.id === parked.id) ? l : undefined;
    }, 'the dead letter');
    expect(letters.find((x) => x.id === parked.id)).toMatchObject({
      type: 'Order.cancelled',
      reason: expect.any(String),
    });
  });

  it('waits for delivery through a reply queue of its own', async () => {
    await expect(
      app.get(EventPublisher).publish('Order.confirmed', {}, { waitForDelivery: { timeoutMs: 5000 } }),
    ).resolves.toMatchObject({ id: expect.any(String) });
  });

  it('turns a publish the topic permission refuses into PublishError channel-error, and keeps working', async () => {
    const events = app.get(EventPublisher);
    const logsBefore = logger.lines.length;
    const started = Date.now();
    const err = await events.publish('Secret.leaked', {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PublishError);
    expect((err as PublishError).reason).toBe('channel-error');
    expect((err as PublishError).message).toMatch(/403.*ACCESS_REFUSED.*access to topic 'Secret\.leaked'/);
    expect(Date.now() - started).toBeLessThan(2000); // refused at once, not after publishTimeoutMs
    // allowed publishes go on, on the same connection: no reconnect loop
    const after = await events.publish('Invoice.sent', {});
    expect(after.id).toBeTruthy();
    const next = await events.publish('Order.shipped', {});
    await waitFor(() => seen.some((s) => s.id === next.id), 'an event after the refusal');
    const logsSince = logger.lines.slice(logsBefore).map((l) => l.text);
    expect(logsSince.join('\n')).toMatch(/publish channel error: .*ACCESS_REFUSED/);
    expect(logsSince.join('\n')).not.toMatch(/disconnected|reconnecting/);
  });

  it('fails startup with the ACCESS_REFUSED and the object when the bus would declare outside its regexes', async () => {
    const outside = uniqueName('not-mine');
    const err = await createEventsApp(
      { exchange: outside, service, uri: vhost.uri(user, password), startupTimeoutMs: 5000 },
      [],
    ).then(
      async (a) => {
        await a.close();
        return undefined;
      },
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(AccessRefusedError);
    expect((err as AccessRefusedError).objectName).toContain(outside);
    expect(err?.message).toMatch(/ACCESS_REFUSED/);
    expect(err?.message).toContain(`exchange '${outside}`);
  });

  it('grants exactly the objects of this service on this bus', () => {
    const p = servicePermissions(service, exchange);
    const configure = new RegExp(p.configure);
    for (const mine of [
      exchange,
      `${exchange}.unrouted`,
      `${exchange}.dlx`,
      `${exchange}.retry`,
      `${exchange}.delay.07`,
      `${exchange}.delay.out`,
      `${exchange}.services.${service}`,
      `${service}.Billing.onOrder`,
      `${service}.Billing.onOrder.dlq`,
      `${service}.replies.0a1b2c`,
    ]) {
      expect(configure.test(mine)).toBe(true);
    }
    for (const other of [
      `${exchange}x`,
      `${exchange}.services.shipping`,
      `shipping.Handlers.on`,
      `${service}x.Handlers.on`,
      'amq.default',
      `other.${exchange}`,
    ]) {
      expect(configure.test(other)).toBe(false);
    }
    expect(new RegExp(p.write).test('amq.default')).toBe(true);
  });
});
