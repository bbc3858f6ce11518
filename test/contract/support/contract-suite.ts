import { randomBytes } from 'node:crypto';
import { Injectable, UsePipes, ValidationPipe } from '@nestjs/common';
import {
  Command,
  CommandHandler,
  CqrsModule,
  EventBus,
  EventsHandler,
  type ICommandHandler,
  type IEventHandler,
} from '@nestjs/cqrs';
import { EventsCqrsModule, IntegrationEvent, RemoteCommand, RemoteCommandBus } from 'nestjs-amqp-events/cqrs';
import { IsInt, IsString, Min } from 'class-validator';
import {
  DeadLetterService,
  DeliveryFailedError,
  EventPublisher,
  EventsMetrics,
  EventSubscriber,
  NonRetryableError,
  OnEvent,
  type EventContext,
} from 'nestjs-amqp-events';
import { uniqueName } from '../../support/broker.js';
import { waitFor } from '../../support/wait.js';
import type { ContractScope, ContractTransport } from './contract-transport.js';

interface Seen {
  handler: string;
  type: string;
  data: unknown;
  attempt: number;
  at: number;
  ctx: EventContext;
}

const cqrsOwner = uniqueName('contract-billing');

@IntegrationEvent('Contract.orderPlaced', { dates: ['at'] })
class OrderPlaced {
  constructor(
    readonly orderId: string,
    readonly at: Date,
  ) {}
}

@RemoteCommand(cqrsOwner, 'Contract.charge')
class Charge extends Command<{ charged: number; by: string }> {
  constructor(readonly amount: number) {
    super();
  }
}

const fast = { maxAttempts: 3, backoff: 'fixed' as const, initialDelayMs: 60, maxDelayMs: 1000 };

class OrderDto {
  @IsString()
  id!: string;

  @IsInt()
  @Min(1)
  qty!: number;
}

/**
 * The behaviour both transports must share (DESIGN §10.10): routing, fan-out and competing
 * consumers, retries and backoff, dead letters and their reasons, delays, the correlation chain,
 * waitForDelivery, replay, Nest's pipes. Run by amqp.contract.test.ts and memory.contract.test.ts.
 */
export function contractSuite(t: ContractTransport): void {
  describe(`contract on the ${t.name} transport`, () => {
    let scope: ContractScope;
    let seen: Seen[];
    let queues: string[];
    const record = (handler: string) => (data: unknown, ctx: EventContext) => {
      seen.push({ handler, type: ctx.type, data, attempt: ctx.attempt, at: Date.now(), ctx });
    };

    beforeEach(() => {
      scope = t.scope();
      seen = [];
      queues = [];
    });
    afterEach(async () => {
      await scope.close(queues);
    });

    it('routes by type with * and # wildcards, one queue per handler', async () => {
      const service = uniqueName('svc');
      @Injectable()
      class Routes {
        @OnEvent('Order.*') star(d: unknown, c: EventContext) {
          record('star')(d, c);
        }
        @OnEvent('Order.#') hash(d: unknown, c: EventContext) {
          record('hash')(d, c);
        }
        @OnEvent('Order.created') exact(d: unknown, c: EventContext) {
          record('exact')(d, c);
        }
      }
      queues = ['star', 'hash', 'exact'].map((m) => `${service}.Routes.${m}`);
      const app = await scope.app({ service }, [Routes]);
      const pub = app.get(EventPublisher);
      await pub.publish('Order.created', { n: 1 });
      await pub.publish('Order.line.added', { n: 2 });
      await pub.publish('Order', { n: 3 });
      await pub.publish('Invoice.created', { n: 4 });
      await waitFor(() => seen.length >= 5, 'five deliveries');
      const by = (h: string) =>
        seen
          .filter((s) => s.handler === h)
          .map((s) => s.type)
          .sort();
      expect(by('star')).toEqual(['Order.created']);
      expect(by('hash')).toEqual(['Order', 'Order.created', 'Order.line.added']);
      expect(by('exact')).toEqual(['Order.created']);
    });

    it('gives each service a copy and splits one service between its instances', async () => {
      const [billing, shipping] = [uniqueName('billing'), uniqueName('shipping')];
      const make = (tag: string) => {
        @Injectable()
        class Handlers {
          @OnEvent('Order.created') on(d: unknown, c: EventContext) {
            record(tag)(d, c);
          }
        }
        return Handlers;
      };
      queues = [`${billing}.Handlers.on`, `${shipping}.Handlers.on`];
      const b1 = await scope.app({ service: billing, prefetch: 1 }, [make('billing-1')]);
      await scope.app({ service: billing, prefetch: 1 }, [make('billing-2')]);
      await scope.app({ service: shipping }, [make('shipping')]);
      const pub = b1.get(EventPublisher);
      for (let i = 0; i < 40; i++) await pub.publish('Order.created', { i });
      await waitFor(() => seen.length >= 80, '80 deliveries');
      const billingIds = seen
        .filter((s) => s.handler.startsWith('billing'))
        .map((s) => (s.data as { i: number }).i);
      expect(billingIds.sort((a, b) => a - b)).toEqual([...Array(40).keys()]);
      expect(seen.filter((s) => s.handler === 'shipping')).toHaveLength(40);
      expect(seen.filter((s) => s.handler === 'billing-1').length).toBeGreaterThan(0);
      expect(seen.filter((s) => s.handler === 'billing-2').length).toBeGreaterThan(0);
    });

    it('retries a failing handler with its backoff, to that queue only, then succeeds', async () => {
      const service = uniqueName('svc');
      @Injectable()
      class Flaky {
        @OnEvent('Job.run', { retry: { ...fast, maxAttempts: 4, backoff: 'linear', initialDelayMs: 100 } })
        run(d: unknown, c: EventContext) {
          record('flaky')(d, c);
          if (c.attempt < 3) throw new Error(`boom ${c.attempt}`);
        }
        @OnEvent('Job.run') other(d: unknown, c: EventContext) {
          record('other')(d, c);
        }
      }
      queues = [`${service}.Flaky.run`, `${service}.Flaky.other`];
      const app = await scope.app({ service }, [Flaky]);
      await app.get(EventPublisher).publish('Job.run', { x: 1 });
      await waitFor(() => seen.filter((s) => s.handler === 'flaky').length >= 3, 'three attempts');
      const attempts = seen.filter((s) => s.handler === 'flaky');
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(95); // linear: 100 ms, then 200 ms
      expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(195);
      expect(attempts.every((a) => a.ctx.id === attempts[0].ctx.id && a.ctx.maxAttempts === 4)).toBe(true);
      expect(seen.filter((s) => s.handler === 'other')).toHaveLength(1); // the retry never fanned out again
      expect(await app.get(DeadLetterService).count(`${service}.Flaky.run`)).toBe(0);
    });

    it('dead-letters after the last attempt with the error and the attempts in the letter', async () => {
      const service = uniqueName('svc');
      @Injectable()
      class Broken {
        @OnEvent('Job.run', { retry: fast })
        run(d: unknown, c: EventContext) {
          record('broken')(d, c);
          throw new TypeError('always broken');
        }
      }
      const queue = `${service}.Broken.run`;
      queues = [queue];
      const app = await scope.app({ service }, [Broken]);
      const receipt = await app.get(EventPublisher).publish('Job.run', { x: 2 });
      const dlq = app.get(DeadLetterService);
      const [letter] = await waitFor(async () => {
        const l = await dlq.list(queue);
        return l.length === 1 ? l : undefined;
      }, 'a dead letter');
      expect(seen).toHaveLength(3);
      expect(letter).toMatchObject({
        id: receipt.id,
        type: 'Job.run',
        reason: 'max-attempts',
        attempts: 3,
        errorName: 'TypeError',
        errorMessage: 'always broken',
        handler: 'Broken.run',
        originalRoutingKey: 'Job.run',
        data: { x: 2 },
      });
      expect(letter.originalExchange).toBe(scope.exchange);
    });

    it('parks a NonRetryableError at once, and a replay runs the handler again from attempt 1', async () => {
      const service = uniqueName('svc');
      let fail = true;
      @Injectable()
      class Strict {
        @OnEvent('Job.run', { retry: fast })
        run(d: unknown, c: EventContext) {
          record('strict')(d, c);
          if (fail) throw new NonRetryableError('bad input');
        }
      }
      const queue = `${service}.Strict.run`;
      queues = [queue];
      const app = await scope.app({ service }, [Strict]);
      const { id } = await app.get(EventPublisher).publish('Job.run', { x: 3 });
      const dlq = app.get(DeadLetterService);
      await waitFor(async () => (await dlq.count(queue)) === 1, 'a dead letter');
      expect((await dlq.list(queue))[0]).toMatchObject({
        reason: 'non-retryable',
        attempts: 1,
        errorMessage: 'bad input',
      });
      expect(seen).toHaveLength(1);
      fail = false;
      expect(await dlq.replay(queue)).toEqual([id]);
      await waitFor(() => seen.length === 2, 'the replayed delivery');
      expect(seen[1].attempt).toBe(1);
      expect(await dlq.count(queue)).toBe(0);
    });

    it('parks an invalid payload (ValidationPipe) as `invalid` with the messages', async () => {
      const service = uniqueName('svc');
      @Injectable()
      class Validated {
        @OnEvent('Order.placed', { retry: fast })
        @UsePipes(new ValidationPipe())
        placed(order: OrderDto, c: EventContext) {
          record('validated')(order, c);
        }
      }
      const queue = `${service}.Validated.placed`;
      queues = [queue];
      const app = await scope.app({ service }, [Validated]);
      const pub = app.get(EventPublisher);
      await pub.publish('Order.placed', { id: 'a', qty: 2 });
      await pub.publish('Order.placed', { id: 7, qty: 0 });
      const dlq = app.get(DeadLetterService);
      await waitFor(
        async () => (await dlq.count(queue)) === 1 && seen.length === 1,
        'one handled, one parked',
      );
      const [letter] = await dlq.list(queue);
      expect(letter.reason).toBe('invalid');
      expect(letter.attempts).toBe(1);
      expect(String(letter.headers['x-error-details'])).toMatch(/qty must not be less than 1/);
      expect(String(letter.headers['x-error-details'])).toMatch(/id must be a string/);
      expect(seen[0].data).toEqual({ id: 'a', qty: 2 });
    });

    it('parks an undecodable message with the reason, never looping', async () => {
      const service = uniqueName('svc');
      @Injectable()
      class Any {
        @OnEvent('Raw.thing') on(d: unknown, c: EventContext) {
          record('any')(d, c);
        }
      }
      const queue = `${service}.Any.on`;
      queues = [queue];
      const app = await scope.app({ service }, [Any]);
      await app.get(EventPublisher).publish('Raw.thing', { ok: true }); // declares nothing new; proves the path
      await scope.rawPublish('Raw.thing', Buffer.from('{not json'), {
        messageId: 'raw-1',
        type: 'Raw.thing',
        contentType: 'application/json',
      });
      const dlq = app.get(DeadLetterService);
      await waitFor(async () => (await dlq.count(queue)) === 1, 'the undecodable message parked');
      expect((await dlq.list(queue))[0]).toMatchObject({ id: 'raw-1', reason: 'undecodable' });
      expect(seen).toHaveLength(1);
    });

    it('delivers a delayed event after its delay, never before', async () => {
      const service = uniqueName('svc');
      @Injectable()
      class Later {
        @OnEvent('Reminder.due') due(d: unknown, c: EventContext) {
          record('later')(d, c);
        }
      }
      queues = [`${service}.Later.due`];
      const app = await scope.app({ service }, [Later]);
      const sent = Date.now();
      await app.get(EventPublisher).publish('Reminder.due', { r: 1 }, { delay: 700 });
      await waitFor(() => seen.length === 1, 'the delayed event', 5000);
      expect(seen[0].at - sent).toBeGreaterThanOrEqual(690);
      expect(seen[0].at - sent).toBeLessThan(2500);
    });

    it('carries correlation and causation through ctx.publish', async () => {
      const service = uniqueName('svc');
      @Injectable()
      class Chain {
        @OnEvent('Order.created') async created(d: unknown, c: EventContext) {
          record('created')(d, c);
          await c.publish('Invoice.requested', { from: c.id });
        }
        @OnEvent('Invoice.requested') requested(d: unknown, c: EventContext) {
          record('requested')(d, c);
        }
      }
      queues = [`${service}.Chain.created`, `${service}.Chain.requested`];
      const app = await scope.app({ service }, [Chain]);
      const { id } = await app
        .get(EventPublisher)
        .publish('Order.created', { o: 1 }, { correlationId: 'corr-42' });
      await waitFor(() => seen.length === 2, 'the follow-up');
      const follow = seen.find((s) => s.handler === 'requested')!;
      expect(follow.ctx.correlationId).toBe('corr-42');
      expect(follow.ctx.causationId).toBe(id);
      expect(follow.ctx.source).toBe(service);
    });

    it('carries @IntegrationEvent classes between services through the cqrs EventBus', async () => {
      const got: OrderPlaced[] = [];
      @EventsHandler(OrderPlaced)
      class OnPlaced implements IEventHandler<OrderPlaced> {
        handle(e: OrderPlaced) {
          got.push(e);
        }
      }
      const [shop, warehouse] = [uniqueName('shop'), uniqueName('warehouse')];
      queues = [`${warehouse}.OnPlaced`];
      const cqrs = () => [CqrsModule.forRoot(), EventsCqrsModule.forRoot()];
      const a = await scope.app({ service: shop }, [], cqrs());
      await scope.app({ service: warehouse }, [OnPlaced], cqrs());
      a.get(EventBus).publish(new OrderPlaced('o-1', new Date('2026-01-02T03:04:05.000Z')));
      await waitFor(() => got.length === 1, 'the integration event in the other service');
      expect(got[0]).toBeInstanceOf(OrderPlaced);
      expect(got[0].orderId).toBe('o-1');
      expect(got[0].at).toEqual(new Date('2026-01-02T03:04:05.000Z'));
    });

    it('executes a remote command on the owning service and returns its result', async () => {
      @CommandHandler(Charge)
      class ChargeHandler implements ICommandHandler<Charge> {
        execute(c: Charge) {
          return Promise.resolve({ charged: c.amount, by: cqrsOwner });
        }
      }
      queues = [`${cqrsOwner}.rpc.Contract.charge`];
      const cqrs = () => [CqrsModule.forRoot(), EventsCqrsModule.forRoot()];
      await scope.app({ service: cqrsOwner }, [ChargeHandler], cqrs());
      const caller = await scope.app({ service: uniqueName('caller') }, [], cqrs());
      await expect(caller.get(RemoteCommandBus).execute(new Charge(42))).resolves.toEqual({
        charged: 42,
        by: cqrsOwner,
      });
    });

    it('subscribes at run time, and unsubscribe stops delivery and removes what it declared', async () => {
      const service = uniqueName('svc');
      const app = await scope.app({ service });
      const pub = app.get(EventPublisher);
      const sub = await app
        .get(EventSubscriber)
        .subscribe('Tenant.*.joined', record('dynamic'), { retry: false });
      queues = [sub.queue];
      expect(sub.queue).toBe(`${service}.subscription.Tenant.star.joined`);
      await pub.publish('Tenant.acme.joined', { t: 1 });
      await waitFor(() => seen.length === 1, 'the subscribed delivery');
      const kept = await app
        .get(EventSubscriber)
        .subscribe('Tenant.*.left', record('kept'), { queue: `${service}.kept` });
      queues.push(kept.queue);
      await sub.unsubscribe();
      await kept.unsubscribe({ keepQueue: true });
      await pub.publish('Tenant.acme.joined', { t: 2 }); // nobody subscribes any more: kept in unrouted
      await pub.publish('Tenant.acme.left', { t: 3 }); // the kept queue collects it
      const again = await app
        .get(EventSubscriber)
        .subscribe('Tenant.*.left', record('kept-again'), { queue: `${service}.kept` });
      await waitFor(
        () => seen.some((s) => s.handler === 'kept-again'),
        'the event collected by the kept queue',
      );
      expect(seen.map((s) => s.handler)).toEqual(['dynamic', 'kept-again']);
      await again.unsubscribe();
    });

    it('filters by headers at the broker, so other events never reach the queue, and skips by payload in the consumer', async () => {
      const service = uniqueName('svc');
      @Injectable()
      class Tenants {
        @OnEvent('Order.created', { filter: { headers: { tenant: 'acme' } } })
        acme(d: unknown, c: EventContext) {
          record('acme')(d, c);
        }
        @OnEvent('Order.created', { where: (d) => (d as { total: number }).total > 1000 })
        big(d: unknown, c: EventContext) {
          record('big')(d, c);
        }
      }
      queues = [`${service}.Tenants.acme`, `${service}.Tenants.big`];
      const app = await scope.app({ service }, [Tenants]);
      const pub = app.get(EventPublisher);
      await pub.publish('Order.created', { total: 5 }, { headers: { tenant: 'globex' } });
      await pub.publish('Order.created', { total: 5000 }, { headers: { tenant: 'globex' } });
      await pub.publish('Order.created', { total: 7 });
      await pub.publish(
        'Order.created',
        { total: 10 },
        { headers: { tenant: 'acme' }, waitForDelivery: { timeoutMs: 5000 } },
      );
      await waitFor(
        () => app.get(EventsMetrics).snapshot().skipped === 3 && seen.length === 2,
        'two handled, three skipped',
      );
      expect(seen.filter((s) => s.handler === 'acme').map((s) => s.data)).toEqual([{ total: 10 }]);
      expect(seen.filter((s) => s.handler === 'big').map((s) => s.data)).toEqual([{ total: 5000 }]);
    });

    it('encrypts payloads: unreadable on the broker and in the DLQ, readable by the handler, rotated keys work, a missing key parks', async () => {
      const [k1, k2] = [randomBytes(32), randomBytes(32)];
      const service = uniqueName('svc');
      @Injectable()
      class Private {
        @OnEvent('Customer.registered', { retry: false })
        on(d: { email: string }, c: EventContext) {
          record('private')(d, c);
          if (d.email === 'fail@example.com') throw new Error('refused');
        }
      }
      const queue = `${service}.Private.on`;
      queues = [queue];
      const consumer = await scope.app({ service, encryption: { keys: { k1, k2 }, currentKeyId: 'k2' } }, [
        Private,
      ]);
      const oldProducer = await scope.app({
        service: uniqueName('old'),
        encryption: { keys: { k1 }, currentKeyId: 'k1' },
      });
      const strangers = await scope.app({
        service: uniqueName('stranger'),
        encryption: { keys: { k9: randomBytes(32) }, currentKeyId: 'k9' },
      });
      await consumer.get(EventPublisher).publish('Customer.registered', { email: 'ada@example.com' });
      await oldProducer.get(EventPublisher).publish('Customer.registered', { email: 'bob@example.com' });
      await consumer.get(EventPublisher).publish('Customer.registered', { email: 'fail@example.com' });
      await strangers.get(EventPublisher).publish('Customer.registered', { email: 'eve@example.com' });
      const dlq = consumer.get(DeadLetterService);
      await waitFor(
        async () => seen.length === 3 && (await dlq.count(queue)) === 2,
        'three handled or failed, two parked',
      );
      expect(seen.map((x) => (x.data as { email: string }).email).sort()).toEqual([
        'ada@example.com',
        'bob@example.com',
        'fail@example.com',
      ]);
      const letters = await dlq.list(queue);
      const text = JSON.stringify(letters);
      expect(text).not.toMatch(/example\.com/);
      for (const l of letters)
        expect(Buffer.from(l.rawBase64, 'base64').includes(Buffer.from('example.com'))).toBe(false);
      expect(letters.map((l) => l.encryptedWith).sort()).toEqual(['k2', 'k9']);
      expect(letters.find((l) => l.encryptedWith === 'k9')).toMatchObject({
        reason: 'undecodable',
        errorMessage: expect.stringMatching(/no key "k9"/),
      });
      expect(letters.find((l) => l.encryptedWith === 'k2')).toMatchObject({
        reason: 'max-attempts',
        data: '[encrypted payload, key "k2"]',
      });
    });

    it('waitForDelivery resolves after a handler succeeded and rejects once it was dead-lettered', async () => {
      const service = uniqueName('svc');
      @Injectable()
      class Waited {
        @OnEvent('Pay.ok') ok(d: unknown, c: EventContext) {
          record('ok')(d, c);
        }
        @OnEvent('Pay.bad', { retry: false }) bad() {
          throw new Error('card declined');
        }
      }
      queues = [`${service}.Waited.ok`, `${service}.Waited.bad`];
      const app = await scope.app({ service }, [Waited]);
      const pub = app.get(EventPublisher);
      await pub.publish('Pay.ok', { p: 1 }, { waitForDelivery: { timeoutMs: 5000 } });
      expect(seen).toHaveLength(1);
      const err = await pub
        .publish('Pay.bad', { p: 2 }, { waitForDelivery: { timeoutMs: 5000 } })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeliveryFailedError);
      expect((err as Error).message).toMatch(/card declined/);
    });
  });
}
