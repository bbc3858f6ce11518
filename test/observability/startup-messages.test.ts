import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { PersistenceSetupError } from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { AMQP_URL, uniqueName } from '../support/broker.js';
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

describe('startup and outage messages name the cause', () => {
  it('names the last connection error, not a bare "connect timeout", and warns once per outage', async () => {
    const logger = new CaptureLogger();
    const err = await startupError(() =>
      createEventsApp(
        {
          exchange: uniqueName('msg'),
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
        exchange: uniqueName('msg'),
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
        exchange: uniqueName('msg'),
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
});
