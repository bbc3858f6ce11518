import 'reflect-metadata';
import { jest } from '@jest/globals';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthCheckService, TerminusModule, type HealthCheckResult } from '@nestjs/terminus';
import { EventsHealthIndicator, EventsModule, OnEvent } from 'nestjs-amqp-events';
import { AMQP_URL, connectRaw, deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { closeConnectionsNamed } from './broker-connections.js';

jest.setTimeout(60_000);

describe('EventsHealthIndicator with @nestjs/terminus (real RabbitMQ)', () => {
  const exchange = uniqueName('health');
  const service = uniqueName('healthsvc');
  const queue = `${service}.Audit.onAny`;
  let app: INestApplicationContext;

  @Injectable()
  class Audit {
    @OnEvent('#')
    onAny() {}
  }

  /** What a `/health` endpoint returns: the result when up, the 503 body when down. */
  async function check(): Promise<HealthCheckResult> {
    try {
      return await app
        .get(HealthCheckService)
        .check([() => app.get(EventsHealthIndicator).isHealthy('rabbitmq')]);
    } catch (e) {
      return (e as { getResponse(): HealthCheckResult }).getResponse();
    }
  }

  beforeAll(async () => {
    @Module({
      imports: [
        TerminusModule.forRoot({ logger: false }),
        EventsModule.forRoot({ uri: AMQP_URL, exchange, service, reconnectDelayMs: 1500 }),
      ],
      providers: [Audit],
    })
    class HealthAppModule {}
    app = await NestFactory.createApplicationContext(HealthAppModule, { logger: false, abortOnError: false });
  });
  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, [queue]);
  });

  it('is up when both connections and every consumer are up', async () => {
    const result = await check();
    expect(result.status).toBe('ok');
    expect(result.info?.rabbitmq).toMatchObject({
      status: 'up',
      publishConnected: true,
      consumeConnected: true,
      consumers: 1,
      activeConsumers: 1,
    });
  });

  it('is down while its connections are closed by the broker, and up again once it reconnected', async () => {
    expect(await closeConnectionsNamed(`${service}:`)).toBe(2);
    const down = await waitFor(
      async () => {
        const r = await check();
        return r.status === 'error' ? r : undefined;
      },
      'the health check to report down',
      5_000,
      10,
    );
    expect(down.error?.rabbitmq?.status).toBe('down');
    expect(down.error?.rabbitmq).toMatchObject({ status: 'down' });
    const details = down.error!.rabbitmq as unknown as {
      publishConnected: boolean;
      consumeConnected: boolean;
      activeConsumers: number;
    };
    expect(
      details.publishConnected === false ||
        details.consumeConnected === false ||
        details.activeConsumers === 0,
    ).toBe(true);

    const up = await waitFor(
      async () => {
        const r = await check();
        return r.status === 'ok' ? r : undefined;
      },
      'the health check to report up again',
      15_000,
      50,
    );
    expect(up.info?.rabbitmq).toMatchObject({ status: 'up', activeConsumers: 1 });
  });

  it('is down while a consumer is cancelled by the broker (its queue deleted), with the count of active consumers', async () => {
    const conn = await connectRaw();
    const ch = await conn.createChannel();
    await ch.deleteQueue(queue);
    await conn.close();
    const down = await waitFor(
      async () => {
        const r = await check();
        return r.status === 'error' ? r : undefined;
      },
      'the health check to report the cancelled consumer',
      5_000,
      10,
    );
    expect(down.error?.rabbitmq).toMatchObject({
      status: 'down',
      consumers: 1,
      activeConsumers: 0,
      publishConnected: true,
    });
  });
});
