import {
  Catch,
  Injectable,
  ValidationPipe,
  SetMetadata,
  UseFilters,
  UseGuards,
  UseInterceptors,
  type CallHandler,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { APP_PIPE, Reflector } from '@nestjs/core';
import { IsInt } from 'class-validator';
import { Test } from '@nestjs/testing';
import { tap, type Observable } from 'rxjs';
import { DeadLetterService, EventCtx, EventData, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { EventsTestHarness, EventsTestingModule } from 'nestjs-amqp-events/testing';

const calls: string[] = [];

@Injectable()
class TenantGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}
  canActivate(context: ExecutionContext): boolean {
    calls.push(`guard:${context.getType()}`);
    const tenant = this.reflector.get<string>('tenant', context.getHandler());
    const data = context.switchToRpc().getData<{ tenant?: string }>();
    return data.tenant === tenant;
  }
}

@Injectable()
class TimingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const ctx = context.switchToRpc().getContext<EventContext>();
    calls.push(`before:${ctx.type}`);
    return next.handle().pipe(tap(() => calls.push(`after:${ctx.type}`)));
  }
}

class QuotaExceeded extends Error {}

@Catch(QuotaExceeded)
class IgnoreQuota implements ExceptionFilter {
  catch(e: QuotaExceeded) {
    calls.push(`filter:${e.message}`);
    return 'swallowed';
  }
}

@Injectable()
class Handlers {
  @OnEvent('Order.created', { retry: { maxAttempts: 2, initialDelayMs: 10 } })
  @UseGuards(TenantGuard)
  @SetMetadata('tenant', 'acme')
  guarded(data: { tenant: string }) {
    calls.push(`guarded:${data.tenant}`);
  }

  @OnEvent('Order.created')
  @UseInterceptors(TimingInterceptor)
  intercepted() {
    calls.push('intercepted');
  }

  @OnEvent('Order.created', { retry: { maxAttempts: 3, initialDelayMs: 10 } })
  @UseFilters(IgnoreQuota)
  filtered() {
    throw new QuotaExceeded('quota');
  }

  @OnEvent('Order.shipped')
  params(@EventData('orderId') orderId: string, @EventCtx() ctx: EventContext) {
    calls.push(`params:${ctx.type}:${orderId}`);
  }
}

describe("Nest's request pipeline on @OnEvent handlers", () => {
  beforeEach(() => calls.splice(0));

  async function start() {
    const moduleRef = await Test.createTestingModule({
      imports: [EventsTestingModule.forRoot({ service: 'pipeline' })],
      providers: [Handlers, TenantGuard],
    }).compile();
    const app = await moduleRef.init();
    return { app, harness: app.get(EventsTestHarness), dlq: app.get(DeadLetterService) };
  }

  it('runs guards (rpc context): a refusal is a non-retryable dead letter, an allowed event runs the handler', async () => {
    const { app, harness, dlq } = await start();
    await harness.publish('Order.created', { tenant: 'acme' });
    await harness.publish('Order.created', { tenant: 'evil' });
    await harness.waitForIdle();
    expect(calls).toContain('guard:rpc');
    expect(calls).toContain('guarded:acme');
    expect(calls).not.toContain('guarded:evil');
    const [letter] = await dlq.list('pipeline.Handlers.guarded');
    expect(letter).toMatchObject({ reason: 'non-retryable', attempts: 1, errorName: 'ForbiddenException' });
    await app.close();
  });

  it('runs interceptors around the handler, and exception filters that may swallow an error', async () => {
    const { app, harness, dlq } = await start();
    await harness.publish('Order.created', { tenant: 'acme' });
    await harness.waitForIdle();
    expect(calls.indexOf('before:Order.created')).toBeLessThan(calls.indexOf('intercepted'));
    expect(calls.indexOf('intercepted')).toBeLessThan(calls.indexOf('after:Order.created'));
    expect(calls).toContain('filter:quota');
    expect(harness.deliveriesTo('Handlers.filtered')).toMatchObject([{ outcome: 'handled', attempt: 1 }]);
    expect(await dlq.count('pipeline.Handlers.filtered')).toBe(0);
    await app.close();
  });

  it('hands parameters by decorator: @EventCtx() and @EventData(property)', async () => {
    const { app, harness } = await start();
    await harness.publish('Order.shipped', { orderId: 'o-9' });
    await harness.waitForIdle();
    expect(calls).toContain('params:Order.shipped:o-9');
    await app.close();
  });
});

describe('global enhancers and the direct path', () => {
  class Dto {
    @IsInt()
    qty!: number;
  }

  @Injectable()
  class Plain {
    @OnEvent('Stock.counted', { retry: false })
    counted(data: Dto) {
      calls.push(`counted:${JSON.stringify(data)}`);
    }
  }

  beforeEach(() => calls.splice(0));

  it('applies an APP_PIPE ValidationPipe to handlers without decorators of their own', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [EventsTestingModule.forRoot({ service: 'globals' })],
      providers: [Plain, { provide: APP_PIPE, useValue: new ValidationPipe() }],
    }).compile();
    const app = await moduleRef.init();
    const harness = app.get(EventsTestHarness);
    await harness.publish('Stock.counted', { qty: 3 });
    await harness.publish('Stock.counted', { qty: 'three' });
    await harness.waitForIdle();
    expect(calls).toEqual(['counted:{"qty":3}']);
    expect(harness.deadLettered).toMatchObject([{ handler: 'Plain.counted', reason: 'invalid' }]);
    await app.close();
  });

  it('calls a handler with no enhancer in sight directly (no pipe runs)', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [EventsTestingModule.forRoot({ service: 'direct' })],
      providers: [Plain],
    }).compile();
    const app = await moduleRef.init();
    const harness = app.get(EventsTestHarness);
    await harness.publish('Stock.counted', { qty: 'three' });
    await harness.waitForIdle();
    expect(calls).toEqual(['counted:{"qty":"three"}']);
    await app.close();
  });
});
