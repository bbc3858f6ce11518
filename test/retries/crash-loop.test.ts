import { jest } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { DeadLetterService, EventPublisher } from 'nestjs-amqp-events';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { startApp } from './support/app-context.js';
import { spawnNode, type Child } from './support/child.js';
import { ensureLibBuilt } from '../support/lib-build.js';

jest.setTimeout(60_000);

const SCRIPT = 'test/retries/fixtures/crash-service.mjs';

describe('a handler that kills its process (crash loop)', () => {
  const exchange = uniqueName('crash');
  const service = uniqueName('svc');
  const queue = `${service}.CrashHandler.handle`;
  const children: Child[] = [];
  let publisherApp: INestApplicationContext;

  async function boot(): Promise<Child> {
    const child = spawnNode(SCRIPT, [exchange, service]);
    children.push(child);
    await waitFor(
      () => child.records.some((r) => r.event === 'ready') || child.proc.exitCode !== null,
      'the child service to start',
      20_000,
    );
    if (!child.records.some((r) => r.event === 'ready'))
      throw new Error(`the child did not start:\n${child.stderr()}`);
    return child;
  }

  beforeAll(async () => {
    await ensureLibBuilt();
  });
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await publisherApp?.close();
    await deleteTopology(exchange, [queue]);
  });

  it('parks the message with reason redelivery-limit after maxAttempts deaths, and the service keeps running', async () => {
    let child = await boot(); // declares the queue before anything is published
    publisherApp = await startApp({ exchange, service: `${service}-publisher`, consume: false });
    const { id } = await publisherApp.get(EventPublisher).publish('Crash.job', { crash: true });
    const dls = publisherApp.get(DeadLetterService);

    // restart the service after every death, as a process supervisor would, until the message is parked
    let deaths = 0;
    await waitFor(
      async () => {
        if ((await dls.count(queue)) === 1) return true;
        if (child.proc.exitCode !== null) {
          expect(child.proc.exitCode).toBe(17);
          deaths++;
          if (deaths > 5) throw new Error('more deaths than maxAttempts: the crash loop is not bounded');
          child = await boot();
        }
        return false;
      },
      'the crashing message in the DLQ',
      45_000,
      50,
    );

    const attempts = children.flatMap((c) => c.records.filter((r) => r.event === 'attempt' && r.id === id));
    expect(attempts.map((a) => [a.attempt, a.maxAttempts])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]); // the handler ran maxAttempts times
    expect(deaths).toBe(3);
    const [letter] = await dls.list(queue);
    expect(letter).toMatchObject({
      id,
      reason: 'redelivery-limit',
      attempts: 3,
      errorName: 'RedeliveredError',
      handler: 'CrashHandler.handle',
      originalExchange: exchange,
      originalRoutingKey: 'Crash.job',
    });

    // the service that parked it is still up and handles the next event
    expect(child.proc.exitCode).toBeNull();
    const good = await publisherApp.get(EventPublisher).publish('Crash.job', { crash: false });
    await waitFor(
      () => child.records.some((r) => r.event === 'handled' && r.id === good.id),
      'the good event to be handled',
      10_000,
    );
    expect(child.proc.exitCode).toBeNull();
  });
});
