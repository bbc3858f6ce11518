import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import amqplib from 'amqplib';
import { randomBytes } from 'node:crypto';
import {
  DeadLetterService,
  EventPublisher,
  EventsHealthIndicator,
  OnEvent,
  PublishError,
} from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { uniqueName } from '../support/broker.js';
import { CaptureLogger } from '../support/capture-logger.js';
import { waitFor } from '../support/wait.js';
import { closeConnectionsNamed } from '../observability/broker-connections.js';
import { createTestVhost, servicePermissions, uniqueUser, type TestVhost } from './support/broker-users.js';

jest.setTimeout(40_000);

/** Every string an error exposes: name, message, stack, own fields and causes. */
function errorText(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let i = 0; cur && i < 6; i++) {
    const err = cur as Error & { cause?: unknown };
    parts.push(String(err), err.message ?? '', err.stack ?? '');
    try {
      parts.push(JSON.stringify(err));
    } catch {
      /* a cycle: the strings above are enough */
    }
    cur = err.cause;
  }
  return parts.join('\n');
}

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

/**
 * A unique canary password in the connection URI, then every way the library can fail or report:
 * connect failures, dropped connections, refused and invalid publishes, a dead-lettered event, health
 * output, a failed startup. The canary must appear in no log line, error, health result or DLQ message.
 */
describe('credentials hygiene: a canary password is never shown', () => {
  const canary = `Canary${randomBytes(12).toString('hex')}`;
  const exchange = uniqueName('canary');
  const service = uniqueName('svc');
  const user = uniqueUser('canary');
  const logger = new CaptureLogger();
  const exposed: string[] = [];
  let vhost: TestVhost;
  let app: INestApplicationContext;

  @Injectable()
  class Failing {
    @OnEvent('Order.failed', { retry: { maxAttempts: 1 } })
    on() {
      throw new Error('handler failed');
    }
  }

  beforeAll(async () => {
    vhost = await createTestVhost('sec-canary');
    await vhost.addUser(user, canary, servicePermissions(service, exchange));
    await vhost.setTopicPermissions(user, exchange, '^Order\\..+$', '.*');
  });

  afterAll(async () => {
    await app?.close();
    await vhost?.remove();
  });

  it('shows the canary nowhere while connecting, failing, publishing, dead-lettering and reporting health', async () => {
    const uri = vhost.uri(user, canary);
    // a node list whose first node is down: connect failures are logged
    app = await createEventsApp(
      {
        exchange,
        service,
        uri: [uri.replace('127.0.0.1:5672', '127.0.0.1:1'), uri],
        connectTimeoutMs: 1000,
        reconnectDelayMs: 100,
        publishTimeoutMs: 3000,
        maxPayloadBytes: 64,
      },
      [Failing],
      { logger },
    );
    const events = app.get(EventPublisher);
    const health = app.get(EventsHealthIndicator);
    exposed.push(JSON.stringify(health.isHealthy('rabbitmq')));

    // dropped connections: disconnect and reconnect logs, health while down and up again
    expect(await closeConnectionsNamed(`${service}:`, 'canary test')).toBeGreaterThan(0);
    exposed.push(JSON.stringify(health.isHealthy('rabbitmq')));
    await waitFor(() => health.isHealthy('rabbitmq').rabbitmq.status === 'up', 'reconnect', 15_000);
    exposed.push(JSON.stringify(health.isHealthy('rabbitmq')));

    // refused publish (topic permission) and an invalid one (too large)
    const refused = await rejectionOf(events.publish('Secret.leaked', {}));
    expect(refused).toBeInstanceOf(PublishError);
    const tooLarge = await rejectionOf(events.publish('Order.huge', { blob: 'x'.repeat(200) }));
    exposed.push(errorText(refused), errorText(tooLarge));

    // a dead-lettered event: the DLQ message as stored, and as DeadLetterService shows it
    const parked = await events.publish('Order.failed', { n: 1 });
    const letters = await waitFor(async () => {
      const l = await app.get(DeadLetterService).list();
      return l.some((x) => x.id === parked.id) ? l : undefined;
    }, 'the dead letter');
    exposed.push(JSON.stringify(letters));
    const raw = await amqplib.connect(uri);
    try {
      const ch = await raw.createChannel();
      const m = await ch.get(`${service}.Failing.on.dlq`, { noAck: false });
      expect(m).not.toBe(false);
      if (m) exposed.push(JSON.stringify(m.properties), m.content.toString('utf8'));
      await ch.close();
    } finally {
      await raw.close();
    }

    // a failed startup: wrong vhost with the canary password
    const failed = await rejectionOf(
      createEventsApp(
        {
          exchange,
          service: uniqueName('svc'),
          uri: `${uri}-missing`,
          startupTimeoutMs: 1500,
          reconnectDelayMs: 100,
        },
        [],
        { logger },
      ),
    );
    exposed.push(errorText(failed));

    exposed.push(logger.text());
    // the scenario produced what it is meant to check
    expect(logger.lines.some((l) => /connect to amqp:\/\/.*:1\/.* failed/.test(l.text))).toBe(true);
    expect(logger.lines.some((l) => /disconnected/.test(l.text))).toBe(true);
    expect(exposed.join('\n')).toContain(user);
    for (const text of exposed) expect(text).not.toContain(canary);
  });
});
