import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { DeadLetterService, EventPublisher, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { AMQP_URL, deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { startApp } from './support/app-context.js';
import { runNode } from './support/child.js';
import { ensureLibBuilt } from '../support/lib-build.js';

jest.setTimeout(45_000);

const CLI = 'libs/events/dist/cli/main.js';

describe('CLI: nestjs-amqp-events dlq (run as a child process)', () => {
  const exchange = uniqueName('cli');
  const service = uniqueName('svc');
  const queue = `${service}.Payments.charge`;
  let broken = true;
  const handled: Array<{ id: string; attempt: number }> = [];
  let app: INestApplicationContext;
  let dls: DeadLetterService;
  const ids: string[] = [];

  @Injectable()
  class Payments {
    @OnEvent('Payment.requested', { retry: { maxAttempts: 2, backoff: 'fixed', initialDelayMs: 50 } })
    charge(_d: unknown, ctx: EventContext) {
      if (broken) throw new Error('card processor unavailable');
      handled.push({ id: ctx.id, attempt: ctx.attempt });
    }
  }

  const cli = (...args: string[]) => runNode(CLI, args, { AMQP_URL });

  beforeAll(async () => {
    await ensureLibBuilt();
    app = await startApp({ exchange, service }, [Payments]);
    dls = app.get(DeadLetterService);
    const publisher = app.get(EventPublisher);
    for (const amount of [10, 20, 30])
      ids.push((await publisher.publish('Payment.requested', { amount })).id);
    await waitFor(async () => (await dls.count(queue)) === 3, '3 dead letters', 10_000, 50);
  });
  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, [queue]);
  });

  it('lists dead letters as a table, and as JSON with --json', async () => {
    const table = await cli('dlq', 'list', '--queue', queue);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toBe(`${queue}.dlq: 3 dead letter(s)`);
    expect(lines[2]).toMatch(/^ID\s+TYPE\s+REASON\s+ATTEMPTS\s+FAILED AT\s+HANDLER\s+ERROR$/);
    for (const id of ids)
      expect(table.stdout).toMatch(new RegExp(`${id}\\s+Payment\\.requested\\s+max-attempts\\s+2\\s+`));
    expect(table.stdout).toContain('Error: card processor unavailable');

    const json = await cli('dlq', 'list', '--queue', `${queue}.dlq`, '--json', '--limit', '2');
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as {
      queue: string;
      count: number;
      letters: Array<{ id: string; data: unknown; attempts: number }>;
    };
    expect(parsed).toMatchObject({ queue, count: 3 });
    expect(parsed.letters.map((l) => [l.id, l.data, l.attempts])).toEqual([
      [ids[0], { amount: 10 }, 2],
      [ids[1], { amount: 20 }, 2],
    ]);
  });

  it('shows one letter in full, and fails with exit code 1 for an unknown id', async () => {
    const shown = await cli('dlq', 'show', '--queue', queue, '--id', ids[1]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^id\\s+${ids[1]}$`, 'm'));
    expect(shown.stdout).toMatch(/^original exchange\s+cli-/m);
    expect(shown.stdout).toMatch(/^original routing key\s+Payment\.requested$/m);
    expect(shown.stdout).toMatch(/^handler\s+Payments\.charge$/m);
    expect(shown.stdout).toContain('stack:');
    expect(shown.stdout).toContain('"amount": 20');

    const missing = await cli('dlq', 'show', '--queue', queue, '--id', 'no-such-id');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('not found: no-such-id');
  });

  it('replays one letter by id to its handler (attempt 1), and purges one by id', async () => {
    broken = false;
    const replay = await cli(
      'dlq',
      'replay',
      '--queue',
      queue,
      '--id',
      ids[0],
      '--exchange',
      exchange,
      '--json',
    );
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({ queue, replayed: [ids[0]], notFound: [] });
    await waitFor(() => handled.some((h) => h.id === ids[0]), 'the replayed event');
    expect(handled).toEqual([{ id: ids[0], attempt: 1 }]);

    const purge = await cli('dlq', 'purge', '--queue', queue, '--id', ids[1]);
    expect(purge.code).toBe(0);
    expect(purge.stdout.trim()).toBe(`purged 1 dead letter(s) from ${queue}.dlq`);
    expect((await dls.list(queue)).map((l) => l.id)).toEqual([ids[2]]);
  });

  it('replays --all and purges --all', async () => {
    const replay = await cli('dlq', 'replay', '--queue', queue, '--all', '--exchange', exchange);
    expect(replay.code).toBe(0);
    expect(replay.stdout.trim()).toBe(`replayed 1 dead letter(s) to ${queue}: ${ids[2]}`);
    await waitFor(() => handled.some((h) => h.id === ids[2]), 'the replayed event');

    broken = true;
    await app.get(EventPublisher).publish('Payment.requested', { amount: 40 });
    await waitFor(async () => (await dls.count(queue)) === 1, 'a new dead letter', 10_000, 50);
    const purge = await cli('dlq', 'purge', '--queue', queue, '--all', '--json');
    expect(purge.code).toBe(0);
    expect(JSON.parse(purge.stdout)).toEqual({ queue, purged: 1 });
    expect(await dls.count(queue)).toBe(0);
  });

  it('explains bad usage with exit code 2, and a missing queue with exit code 1', async () => {
    const bad = await cli('dlq', 'replay', '--queue', queue);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error: replay needs --id <id> or --all');
    expect(bad.stderr).toContain('Usage: nestjs-amqp-events dlq <action> --queue <queue>');

    const none = await cli('dlq', 'list', '--queue', `${service}.NoSuch.queue`);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`no queue '${service}.NoSuch.queue.dlq'`);
  });

  it('never prints the password of AMQP_URL', async () => {
    const url = AMQP_URL.replace(/\/\/([^:@/]+)(:[^@/]*)?@/, '//$1:Sup3rSecretPw@');
    const refused = await runNode(CLI, ['dlq', 'list', '--queue', queue], { AMQP_URL: url });
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).not.toContain('Sup3rSecretPw');
    expect(refused.stderr).toContain(':***@');
  });
});
