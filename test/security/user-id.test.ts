import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import amqplib from 'amqplib';
import { EventPublisher, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { createTestVhost, uniqueUser, type TestVhost } from './support/broker-users.js';

jest.setTimeout(30_000);

/**
 * `recordUserId: true`: everything the bus publishes carries the AMQP userId of its connection, which
 * RabbitMQ validates; a handler reads it as `ctx.userId`. Users and a vhost of the test's own.
 */
describe('recordUserId: the publishing user, validated by the broker', () => {
  const exchange = uniqueName('uid');
  const service = uniqueName('svc');
  const appUser = uniqueUser('uid-app');
  const otherUser = uniqueUser('uid-other');
  const received: Array<{ id: string; userId?: string; attempt: number; data: unknown }> = [];
  let vhost: TestVhost;
  let app: INestApplicationContext;
  let failOnce: Set<string>;

  @Injectable()
  class Audit {
    @OnEvent('Audit.#', { retry: { maxAttempts: 2, initialDelayMs: 10 } })
    on(data: { n: string }, ctx: EventContext) {
      received.push({ id: ctx.id, userId: ctx.userId, attempt: ctx.attempt, data });
      if (failOnce.delete(data.n)) throw new Error('fails once');
    }
  }

  beforeAll(async () => {
    failOnce = new Set();
    vhost = await createTestVhost('sec-uid');
    const all = { configure: '.*', write: '.*', read: '.*' };
    await Promise.all([vhost.addUser(appUser, 'app-pw', all), vhost.addUser(otherUser, 'other-pw', all)]);
    app = await createEventsApp(
      { exchange, service, uri: vhost.uri(appUser, 'app-pw'), recordUserId: true },
      [Audit],
    );
  });

  afterAll(async () => {
    await app?.close();
    await vhost?.remove();
  });

  /** Publishes as `otherUser` with raw amqplib; resolves with the channel error, if the broker closed it. */
  async function rawPublish(n: string, userId?: string): Promise<Error | undefined> {
    const conn = await amqplib.connect(vhost.uri(otherUser, 'other-pw'));
    try {
      const ch = await conn.createConfirmChannel();
      let closedWith: Error | undefined;
      ch.on('error', (e: Error) => (closedWith = e));
      ch.publish(exchange, 'Audit.raw', Buffer.from(JSON.stringify({ n })), {
        messageId: `raw-${n}`,
        contentType: 'application/json',
        ...(userId ? { userId } : {}),
      });
      await ch.waitForConfirms().catch(() => undefined);
      await ch.close().catch(() => undefined);
      return closedWith;
    } finally {
      await conn.close().catch(() => undefined);
    }
  }

  it("shows the handler the publishing service's user", async () => {
    const receipt = await app.get(EventPublisher).publish('Audit.recorded', { n: 'own' });
    const got = await waitFor(() => received.find((r) => r.id === receipt.id), 'the event');
    expect(got.userId).toBe(appUser);
  });

  it('keeps retries working: the copy carries the retrying service user, never the original publisher', async () => {
    // a message of another user fails once: its retry copy is published by this service, which
    // RabbitMQ would refuse (406) if it carried the other user's id
    failOnce.add('retry-me');
    expect(await rawPublish('retry-me', otherUser)).toBeUndefined();
    const attempts = await waitFor(() => {
      const r = received.filter((x) => x.id === 'raw-retry-me');
      return r.length === 2 ? r : undefined;
    }, 'both attempts');
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2]);
    expect(attempts[0].userId).toBe(otherUser);
    // the copy carries the user of the service that retried it (recordUserId), which the broker accepts
    expect(attempts[1].userId).toBe(appUser);
  });

  it("refuses a message that claims another user's id (the broker closes the channel with 406)", async () => {
    const err = await rawPublish('forged', appUser);
    expect(err?.message).toMatch(/406 \(PRECONDITION-FAILED\)|PRECONDITION_FAILED/);
    expect(err?.message).toContain(
      `user_id property set to '${appUser}' but authenticated user was '${otherUser}'`,
    );
    // an honest message sent after it arrives; the forged one never does
    expect(await rawPublish('honest', otherUser)).toBeUndefined();
    await waitFor(() => received.find((r) => r.id === 'raw-honest'), 'the honest event');
    expect(received.find((r) => r.id === 'raw-forged')).toBeUndefined();
    expect(received.find((r) => r.id === 'raw-honest')?.userId).toBe(otherUser);
  });

  it('leaves ctx.userId undefined when the producer sets none', async () => {
    expect(await rawPublish('anonymous')).toBeUndefined();
    const got = await waitFor(() => received.find((r) => r.id === 'raw-anonymous'), 'the event');
    expect(got.userId).toBeUndefined();
  });
});
