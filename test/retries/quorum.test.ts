import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DeadLetterService, EventPublisher, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { QUORUM_DELIVERY_LIMIT, sharedTopology } from '../../libs/events/src/topology/topology.js';
import { connectRaw, deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { startApp } from './support/app-context.js';

jest.setTimeout(40_000);

interface QueueInfo {
  name: string;
  type: string;
  arguments: Record<string, unknown>;
}

async function queueInfo(names: string[] | ((name: string) => boolean)): Promise<QueueInfo[]> {
  const { stdout } = await promisify(execFile)(
    'rabbitmqctl',
    ['list_queues', '-q', '--formatter', 'json', 'name', 'type', 'arguments', 'durable'],
    { timeout: 30_000 },
  );
  const rows = JSON.parse(stdout) as Array<{ name: string; type: string; arguments: unknown }>;
  return rows
    .filter((r) => (typeof names === 'function' ? names(r.name) : names.includes(r.name)))
    .map((r) => ({
      name: r.name,
      type: r.type,
      // arguments come as [[name, type, value], ...]
      arguments: Object.fromEntries((r.arguments as unknown[][]).map((a) => [a[0], a[a.length - 1]])),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

describe("queueType: 'quorum'", () => {
  const exchange = uniqueName('quorum');
  const service = uniqueName('svc');
  const queue = `${service}.QuorumHandlers.fail`;
  const attempts: Array<[number, number]> = [];
  const apps: INestApplicationContext[] = [];
  const arrivals = new Map<string, number>();

  @Injectable()
  class QuorumHandlers {
    @OnEvent('Quorum.fail', { retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 100 } })
    fail(_d: unknown, ctx: EventContext) {
      attempts.push([ctx.attempt, ctx.maxAttempts]);
      throw new Error('always');
    }

    @OnEvent('Quorum.later')
    later(_d: unknown, ctx: EventContext) {
      arrivals.set(ctx.id, Date.now());
    }
  }

  afterAll(async () => {
    for (const a of apps) await a.close();
    await deleteTopology(exchange, [queue, `${service}.QuorumHandlers.later`]);
  });

  it('declares quorum handler and dead-letter queues, the handler queue with x-delivery-limit and no priority', async () => {
    apps.push(await startApp({ exchange, service, queueType: 'quorum' }, [QuorumHandlers]));
    const info = await queueInfo([queue, `${queue}.dlq`]);
    expect(info.map((i) => [i.name, i.type])).toEqual([
      [queue, 'quorum'],
      [`${queue}.dlq`, 'quorum'],
    ]);
    expect(info[0].arguments['x-delivery-limit']).toBe(QUORUM_DELIVERY_LIMIT);
    expect(info[0].arguments['x-max-priority']).toBeUndefined();
    // the broker's own dead-lettering (delivery limit, rejects) is at-least-once
    expect(info[0].arguments['x-dead-letter-strategy']).toBe('at-least-once');
    expect(info[0].arguments['x-overflow']).toBe('reject-publish');
  });

  it('declares every shared queue as a quorum queue: the quorum delay levels and unrouted.quorum, no classic ones', async () => {
    const expected = sharedTopology(exchange, 'quorum').queues;
    // (the service record for the CLI, `{exchange}.services.*`, is metadata re-written at every start: not counted)
    const info = await queueInfo(
      (n) => (n === exchange || n.startsWith(`${exchange}.`)) && !n.startsWith(`${exchange}.services.`),
    );
    expect(info.map((i) => i.name)).toEqual(expected.map((q) => q.name).sort((a, b) => a.localeCompare(b)));
    for (const q of expected) {
      const found = info.find((i) => i.name === q.name)!;
      expect(found.type).toBe('quorum');
      expect(found.arguments).toEqual(q.arguments);
    }
    expect(info.some((i) => i.name === `${exchange}.unrouted` || /\.delay\.\d{2}$/.test(i.name))).toBe(false);
  });

  it('delays through the quorum levels: never early, at most max(1 s, 2%) late', async () => {
    const pub = apps[0].get(EventPublisher);
    const delays = [5, 300, 1000, 2047, 3000];
    const sent = await Promise.all(
      delays.map(async (delay) => ({
        delay,
        at: Date.now(),
        id: (await pub.publish('Quorum.later', {}, { delay })).id,
      })),
    );
    await waitFor(() => sent.every((s) => arrivals.has(s.id)), 'every delayed event', 15_000, 10);
    for (const s of sent) {
      const late = arrivals.get(s.id)! - s.at - s.delay;
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThanOrEqual(Math.max(1000, s.delay * 0.02));
    }
  });

  it('declares the reply queue of waitForDelivery as a quorum queue', async () => {
    const outcome = await apps[0].get(EventPublisher).publish('Quorum.later', {}, { waitForDelivery: true });
    expect(outcome).toBeDefined();
    const replies = await queueInfo((n) => n.startsWith(`${service}.replies.`));
    expect(replies).toHaveLength(1);
    expect(replies[0].type).toBe('quorum');
    expect(replies[0].arguments['x-expires']).toBeGreaterThan(0);
  });

  it('dead-letters a failing handler after maxAttempts', async () => {
    const { id } = await apps[0].get(EventPublisher).publish('Quorum.fail', {});
    const dls = apps[0].get(DeadLetterService);
    const [letter] = await waitFor(
      async () => {
        const l = await dls.list(queue);
        return l.length === 1 ? l : undefined;
      },
      'the dead letter',
      10_000,
      50,
    );
    expect(letter).toMatchObject({
      id,
      reason: 'max-attempts',
      attempts: 3,
      originalExchange: exchange,
      originalRoutingKey: 'Quorum.fail',
    });
    expect(attempts).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    await dls.purge(queue);
  });

  it('lets the broker park a message that keeps coming back (x-delivery-limit), even with no library consumer counting', async () => {
    await apps[0].close();
    apps.length = 0;
    const pub = await startApp({ exchange, service: `${service}-pub`, consume: false });
    apps.push(pub);
    const { id } = await pub.get(EventPublisher).publish('Quorum.fail', {});
    // a consumer that dies before acking, again and again: every delivery is given back
    const conn = await connectRaw();
    let deliveries = 0;
    try {
      const ch = await conn.createChannel();
      await waitFor(
        async () => {
          const m = await ch.get(queue, { noAck: false });
          if (!m) return deliveries > 0;
          deliveries++;
          ch.nack(m, false, true);
          return false;
        },
        'the broker to stop redelivering',
        10_000,
        10,
      );
      await ch.close();
    } finally {
      await conn.close();
    }
    expect(deliveries).toBe(QUORUM_DELIVERY_LIMIT + 1);
    const dls = pub.get(DeadLetterService);
    const [letter] = await waitFor(
      async () => {
        const l = await dls.list(queue);
        return l.length === 1 ? l : undefined;
      },
      'the parked message',
      5000,
      50,
    );
    expect(letter).toMatchObject({
      id,
      reason: 'delivery_limit',
      originalExchange: exchange,
      originalRoutingKey: 'Quorum.fail',
    });
    expect(letter.failedAt).toBeDefined();
  });
});
