import { jest } from '@jest/globals';
import {
  Controller,
  Injectable,
  Logger,
  Module,
  UseGuards,
  UseInterceptors,
  UsePipes,
  ValidationPipe,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type INestMicroservice,
  type NestInterceptor,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { IsInt, IsString, Min } from 'class-validator';
import { firstValueFrom, lastValueFrom, map, type Observable } from 'rxjs';
import {
  DeliveryTimeoutError,
  EventsClient,
  EventsExceptionFilter,
  EventsRpcContext,
  EventsTransport,
  NoRemoteHandlerError,
  RemoteExecutionError,
} from 'nestjs-amqp-events/microservices';
import { AMQP_URL, deleteTopology, queueDepth, uniqueName } from '../support/broker.js';
import { takeAll } from '../support/raw-queue.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(40_000);

const exchange = uniqueName('ms');
const service = uniqueName('invoices');

class OrderCreatedDto {
  @IsString() orderId!: string;
  @IsInt() @Min(1) quantity!: number;
}

class GetInvoiceDto {
  @IsString() id!: string;
}

const validation = new ValidationPipe({
  transform: true,
  // a 4xx status tells the transport the message can never succeed: dead-letter it at once
  exceptionFactory: (errors) =>
    new RpcException({ statusCode: 400, message: errors.flatMap((e) => Object.values(e.constraints ?? {})) }),
});

@Injectable()
class DenyGuard implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@Injectable()
class StampInterceptor implements NestInterceptor {
  intercept(_ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((v: unknown) => ({ ...(v as object), stamped: true })));
  }
}

const created: Array<{ dto: OrderCreatedDto; ctx: EventsRpcContext }> = [];
const audited: string[] = [];
const paymentAttempts: number[] = [];

@Controller()
class InvoicesController {
  @EventPattern<string>('Order.created') // <string>: Nest 12's typed-topic overload would want `...args: unknown[]`
  @UsePipes(validation)
  onCreated(@Payload() dto: OrderCreatedDto, @Ctx() ctx: EventsRpcContext) {
    created.push({ dto, ctx });
  }

  @EventPattern('Order.*', { queue: `${service}.audit` })
  audit(@Ctx() ctx: EventsRpcContext) {
    audited.push(ctx.getEnvelope().type);
  }

  @EventPattern('Payment.failed', { retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 50 } })
  onPaymentFailed(@Ctx() ctx: EventsRpcContext) {
    paymentAttempts.push(ctx.getAttempt());
    throw new Error('ledger unavailable');
  }

  @MessagePattern('Invoice.get')
  @UsePipes(validation)
  @UseInterceptors(StampInterceptor)
  get(@Payload() q: GetInvoiceDto) {
    if (!(q instanceof GetInvoiceDto)) throw new Error('payload not transformed');
    if (q.id === 'inv-404') throw new RpcException({ statusCode: 404, message: 'no such invoice' });
    return { id: q.id, total: 10 };
  }

  @MessagePattern('Invoice.slow')
  async slow() {
    await new Promise((r) => setTimeout(r, 1500));
    return 'late';
  }

  @MessagePattern('Invoice.secret')
  @UseGuards(DenyGuard)
  secret() {
    return 'never';
  }
}

@Module({ controllers: [InvoicesController], providers: [DenyGuard, StampInterceptor] })
class InvoicesModule {}

describe('EventsTransport and EventsClient (@nestjs/microservices)', () => {
  let app: INestMicroservice;
  let client: EventsClient;
  const eventQueues = [`${service}.Order.created`, `${service}.audit`, `${service}.Payment.failed`];
  const rpcQueues = ['Invoice.get', 'Invoice.slow', 'Invoice.secret'].map((p) => `${service}.rpc.${p}`);

  beforeAll(async () => {
    app = await NestFactory.createMicroservice(InvoicesModule, {
      strategy: new EventsTransport({ uri: AMQP_URL, service, exchange }),
      logger: process.env.TEST_LOGS ? new Logger() : false,
    });
    app.useGlobalFilters(new EventsExceptionFilter());
    await app.listen();
    client = new EventsClient({ uri: AMQP_URL, service: uniqueName('orders'), exchange, timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await client?.close();
    await app?.close();
    await deleteTopology(exchange, [...eventQueues, ...rpcQueues]);
  });

  it('emit() resolves once confirmed and a valid payload reaches the handler validated, with the envelope in ctx', async () => {
    const receipt = await lastValueFrom(client.emit('Order.created', { orderId: 'o-1', quantity: 2 }));
    expect(receipt).toMatchObject({ type: 'Order.created', confirmed: true });
    await waitFor(
      () => created.length === 1 && audited.includes('Order.created'),
      'the handler and the wildcard handler',
    );
    expect(created[0].dto).toBeInstanceOf(OrderCreatedDto);
    expect(created[0].dto).toEqual({ orderId: 'o-1', quantity: 2 });
    expect(created[0].ctx.getEnvelope()).toMatchObject({ type: 'Order.created', attempt: 1 });
    expect(created[0].ctx.getPattern()).toBe('Order.created');
  });

  it('dead-letters an invalid payload at once, while the wildcard handler on its own queue still gets it', async () => {
    await lastValueFrom(client.emit('Order.created', { orderId: 'o-2', quantity: 0 }));
    await waitFor(
      async () => (await queueDepth(`${service}.Order.created.dlq`)) === 1,
      'the invalid event in the DLQ',
    );
    await waitFor(() => audited.filter((t) => t === 'Order.created').length === 2, 'the audit copy');
    expect(created).toHaveLength(1);
    const [parked] = await takeAll(`${service}.Order.created.dlq`);
    expect(parked.properties.headers).toMatchObject({
      'x-attempts': 1,
      'x-dead-letter-reason': 'non-retryable',
    });
    expect(String(parked.properties.headers?.['x-error-message'])).toContain(
      'quantity must not be less than 1',
    );
  });

  it('retries a failing event handler, then parks it in its DLQ', async () => {
    await lastValueFrom(client.emit('Payment.failed', { paymentId: 'p-1' }));
    await waitFor(
      async () => (await queueDepth(`${service}.Payment.failed.dlq`)) === 1,
      'the failed payment in the DLQ',
    );
    expect(paymentAttempts).toEqual([1, 2, 3]);
    const [parked] = await takeAll(`${service}.Payment.failed.dlq`);
    expect(parked.properties.headers).toMatchObject({
      'x-attempts': 3,
      'x-error-message': 'ledger unavailable',
      'x-error-name': 'Error',
      'x-handler': '@EventPattern(Payment.failed)',
    });
  });

  it('send() answers through pipes and interceptors', async () => {
    expect(await firstValueFrom(client.send('Invoice.get', { id: 'inv-1' }))).toEqual({
      id: 'inv-1',
      total: 10,
      stamped: true,
    });
  });

  it('send() errors with the remote error for an invalid payload, an RpcException and a guard refusal', async () => {
    const invalid = await firstValueFrom(client.send('Invoice.get', { id: 42 })).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(RemoteExecutionError);
    expect((invalid as RemoteExecutionError).details).toEqual({
      statusCode: 400,
      message: ['id must be a string'],
    });
    const missing = await firstValueFrom(client.send('Invoice.get', { id: 'inv-404' })).catch(
      (e: unknown) => e,
    );
    expect(missing).toMatchObject({ remoteMessage: 'no such invoice', details: { statusCode: 404 } });
    const denied = await firstValueFrom(client.send('Invoice.secret', {})).catch((e: unknown) => e);
    expect(denied).toMatchObject({ remoteMessage: 'Forbidden resource' });
    expect(await queueDepth(`${service}.rpc.Invoice.get.dlq`)).toBe(0);
  });

  it('send() fails fast when nobody serves the pattern, and times out on a slow handler', async () => {
    const started = Date.now();
    await expect(firstValueFrom(client.send('Invoice.unknown', {}))).rejects.toBeInstanceOf(
      NoRemoteHandlerError,
    );
    expect(Date.now() - started).toBeLessThan(3000);
    const quick = new EventsClient({
      uri: AMQP_URL,
      service: uniqueName('impatient'),
      exchange,
      timeoutMs: 300,
    });
    try {
      await expect(firstValueFrom(quick.send('Invoice.slow', {}))).rejects.toBeInstanceOf(
        DeliveryTimeoutError,
      );
    } finally {
      await quick.close();
    }
  });
});
