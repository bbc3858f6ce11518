import { jest } from '@jest/globals';
import { Controller, Logger, Module, UsePipes, ValidationPipe, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientProxyFactory,
  Ctx,
  EventPattern,
  MessagePattern,
  Payload,
  Transport,
  type ClientProxy,
} from '@nestjs/microservices';
import { IsString } from 'class-validator';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { EventsExceptionFilter, EventsRpcContext, EventsTransport } from 'nestjs-amqp-events/microservices';
import { AMQP_URL, deleteTopology, queueDepth, uniqueName } from '../support/broker.js';
import { takeAll } from '../support/raw-queue.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(40_000);

const exchange = uniqueName('legacy');
const service = uniqueName('reports');

class ShippedDto {
  @IsString() parcelId!: string;
}

const shipped: Array<{ dto: ShippedDto; type: string; source: string }> = [];

@Controller()
class ReportsController {
  @EventPattern<string>('Parcel.shipped')
  @UsePipes(new ValidationPipe({ transform: true })) // plain ValidationPipe: BadRequestException (400)
  onShipped(@Payload() dto: ShippedDto, @Ctx() ctx: EventsRpcContext) {
    shipped.push({ dto, type: ctx.getEnvelope().type, source: ctx.getEnvelope().source });
  }

  @MessagePattern('Report.sum')
  sum(@Payload() numbers: number[]) {
    return numbers.reduce((a, b) => a + b, 0);
  }
}

@Module({ controllers: [ReportsController] })
class ReportsModule {}

/**
 * A service still on Nest's RMQ transport (`{ pattern, data }` messages, direct reply-to) talking to
 * a service already migrated to EventsTransport: the migration can go one service at a time.
 */
describe("messages from Nest's RMQ transport", () => {
  let app: INestMicroservice;
  let legacyEvents: ClientProxy;
  let legacyRequests: ClientProxy;

  beforeAll(async () => {
    app = await NestFactory.createMicroservice(ReportsModule, {
      strategy: new EventsTransport({ uri: AMQP_URL, service, exchange }),
      logger: process.env.TEST_LOGS ? new Logger() : false,
    });
    app.useGlobalFilters(new EventsExceptionFilter());
    await app.listen();
    // events: publish to the topic exchange with the pattern as routing key
    legacyEvents = ClientProxyFactory.create({
      transport: Transport.RMQ,
      options: {
        urls: [AMQP_URL],
        wildcards: true,
        exchange,
        exchangeType: 'topic',
        exchangeArguments: { 'alternate-exchange': `${exchange}.unrouted` },
      },
    });
    // requests: publish to the request exchange, replies come back through direct reply-to
    legacyRequests = ClientProxyFactory.create({
      transport: Transport.RMQ,
      options: {
        urls: [AMQP_URL],
        wildcards: true,
        exchange: `${exchange}.commands`,
        exchangeType: 'direct',
      },
    });
  });
  afterAll(async () => {
    await legacyEvents?.close();
    await legacyRequests?.close();
    await app?.close();
    await deleteTopology(exchange, [`${service}.Parcel.shipped`, `${service}.rpc.Report.sum`]);
  });

  it('handles a { pattern, data } event published by a Nest RMQ client', async () => {
    await lastValueFrom(legacyEvents.emit('Parcel.shipped', { parcelId: 'p-1' }));
    await waitFor(() => shipped.length === 1, 'the legacy event');
    expect(shipped[0].dto).toBeInstanceOf(ShippedDto);
    expect(shipped[0]).toMatchObject({ dto: { parcelId: 'p-1' }, type: 'Parcel.shipped', source: 'unknown' });
  });

  it('dead-letters an invalid legacy event at once (BadRequestException kept by EventsExceptionFilter)', async () => {
    await lastValueFrom(legacyEvents.emit('Parcel.shipped', { parcelId: 7 }));
    await waitFor(
      async () => (await queueDepth(`${service}.Parcel.shipped.dlq`)) === 1,
      'the invalid legacy event in the DLQ',
    );
    const [parked] = await takeAll(`${service}.Parcel.shipped.dlq`);
    expect(parked.properties.headers).toMatchObject({
      'x-attempts': 1,
      'x-error-name': 'BadRequestException',
      'x-dead-letter-reason': 'non-retryable',
    });
    expect(String(parked.properties.headers?.['x-error-message'])).toContain('parcelId must be a string');
    expect(JSON.parse(parked.content.toString())).toEqual({ parcelId: 7 }); // parked as an envelope, data only
    expect(shipped).toHaveLength(1);
  });

  it("answers a Nest RMQ client's send() in its own reply format", async () => {
    expect(await firstValueFrom(legacyRequests.send('Report.sum', [1, 2, 3]))).toBe(6);
  });
});
