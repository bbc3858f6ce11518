import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  EventsModule,
  HandlerRegistrationError,
  InvalidOptionsError,
  OnEvent,
  PersistenceSetupError,
  type OnEventOptions,
} from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { AMQP_URL, deleteTopology, uniqueName } from '../support/broker.js';
import { CaptureLogger } from '../support/capture-logger.js';

jest.setTimeout(30_000);

async function startupError(start: () => Promise<unknown>): Promise<Error> {
  try {
    const app = (await start()) as { close(): Promise<void> };
    await app.close();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected startup to fail');
}

const exchanges: string[] = [];
/** A unique exchange name, deleted with its library objects after the tests (a failed start may have declared some). */
function exchangeName(): string {
  const name = uniqueName('msg');
  exchanges.push(name);
  return name;
}

describe('startup and outage messages name the cause', () => {
  afterAll(async () => {
    for (const e of exchanges) await deleteTopology(e);
  });

  it('names the last connection error, not a bare "connect timeout", and warns once per outage', async () => {
    const logger = new CaptureLogger();
    const err = await startupError(() =>
      createEventsApp(
        {
          exchange: exchangeName(),
          service: uniqueName('svc'),
          uri: 'amqp://127.0.0.1:1',
          startupTimeoutMs: 1500,
          connectTimeoutMs: 300,
          reconnectDelayMs: 100,
        },
        [],
        { logger },
      ),
    );
    expect(err.message).toMatch(
      /Could not connect \(publish\) to RabbitMQ at amqp:\/\/127\.0\.0\.1:1 within 1500 ms: connection refused \(is RabbitMQ running/,
    );
    expect(err.message).not.toContain('connect timeout');
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    // ~15 attempts in 1.5 s, one warning for the whole outage
    expect(warnings).toHaveLength(1);
    expect(warnings[0].text).toContain('connection refused');
    expect(
      logger.lines.filter((l) => l.level === 'debug' && /still disconnected \(attempt \d+\)/.test(l.text))
        .length,
    ).toBeGreaterThan(1);
  });

  it('says so when the vhost does not exist', async () => {
    const vhost = uniqueName('novhost');
    const err = await startupError(() =>
      createEventsApp({
        exchange: exchangeName(),
        service: uniqueName('svc'),
        uri: `${AMQP_URL}/${vhost}`,
        startupTimeoutMs: 1500,
        reconnectDelayMs: 200,
      }),
    );
    expect(err.message).toContain(
      `the broker refused virtual host "${vhost}": it does not exist, or this user has no permission on it`,
    );
  });

  it('says that it is the persistence DataSource that cannot connect, and where it points', async () => {
    const dataSource = new DataSource({
      type: 'postgres',
      host: '127.0.0.1',
      port: 1,
      database: 'test',
      username: 'postgres',
      password: 's3cret-pw',
      connectTimeoutMS: 1000,
    });
    const err = await startupError(() =>
      createEventsApp({
        exchange: exchangeName(),
        service: uniqueName('svc'),
        persistence: { dataSource },
      }),
    );
    expect(err).toBeInstanceOf(PersistenceSetupError);
    expect(err.message).toMatch(
      /^Could not initialize the persistence DataSource \(EventsModule `persistence.dataSource`\), postgres at 127\.0\.0\.1:1\/test: .*ECONNREFUSED/,
    );
    expect(err.message).not.toContain('s3cret-pw');
  });

  it('fails at startup on a misspelled option from a forRootAsync factory, naming the closest option', async () => {
    const fromConfig: Record<string, unknown> = {
      service: uniqueName('svc'),
      exchange: exchangeName(),
      url: AMQP_URL,
    };
    @Module({ imports: [EventsModule.forRootAsync({ useFactory: () => fromConfig as never })] })
    class MisspelledModule {}
    const err = await startupError(() =>
      NestFactory.createApplicationContext(MisspelledModule, { logger: false, abortOnError: false }),
    );
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(err.message).toBe(
      'Invalid nestjs-amqp-events option "url": "url" is not an option; did you mean "uri"?',
    );
  });

  it('fails at startup on a misspelled @OnEvent option, naming the handler and the closest option', async () => {
    const untyped = { retries: 3 } as unknown as OnEventOptions; // as a JavaScript caller could pass it
    @Injectable()
    class Orders {
      @OnEvent('Order.created', untyped)
      onCreated() {}
    }
    const err = await startupError(() =>
      createEventsApp({ exchange: exchangeName(), service: uniqueName('svc') }, [Orders]),
    );
    expect(err).toBeInstanceOf(HandlerRegistrationError);
    expect(err.message).toBe(
      'Cannot register event handler Orders.onCreated: @OnEvent "retries" is not an option; did you mean "retry"?',
    );
  });
});
