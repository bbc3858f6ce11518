import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { DeadLetterService, EventPublisher, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { serviceRecordQueue } from '../../libs/events/src/amqp/service-topology.registry.js';
import { AMQP_URL, connectRaw, deleteTopology, uniqueName } from '../support/broker.js';
import { createEventsApp } from '../support/app.js';
import { ensureLibBuilt } from '../support/lib-build.js';
import { waitFor } from '../support/wait.js';
import { runNode } from '../retries/support/child.js';

jest.setTimeout(60_000);

const CLI = 'libs/events/dist/cli/main.js';

describe('operator CLI: dlq on a non-default exchange, dlq list --service, topology describe/delete', () => {
  const exchange = uniqueName('opcli');
  const service = uniqueName('opsvc');
  const failing = `${service}.Billing.charge`;
  const quiet = `${service}.Billing.audit`;
  let broken = true;
  const handled: Array<{ id: string; attempt: number }> = [];
  let app: INestApplicationContext | undefined;
  let letterId = '';

  @Injectable()
  class Billing {
    @OnEvent('Charge.requested', { retry: false })
    charge(_d: unknown, ctx: EventContext) {
      if (broken) throw new Error('gateway down');
      handled.push({ id: ctx.id, attempt: ctx.attempt });
    }

    @OnEvent('Audit.#')
    audit() {}
  }

  // the CLI reads the configured exchange from --exchange or $EVENTS_EXCHANGE: here neither, so "events"
  const cli = (...args: string[]) => runNode(CLI, args, { AMQP_URL, EVENTS_EXCHANGE: '' });

  beforeAll(async () => {
    await ensureLibBuilt();
    app = await createEventsApp({ exchange, service }, [Billing]);
    letterId = (await app.get(EventPublisher).publish('Charge.requested', { amount: 5 })).id;
    const dls = app.get(DeadLetterService);
    await waitFor(async () => (await dls.count(failing)) === 1, 'the dead letter', 10_000, 50);
    // the runtime recorded the service's handler queues when it subscribed them
  });

  afterAll(async () => {
    await app?.close();
    await deleteTopology(exchange, [failing, quiet]);
    const conn = await connectRaw();
    const ch = await conn.createChannel();
    await ch.deleteQueue(serviceRecordQueue(exchange, service));
    await conn.close();
  });

  it('prints the usage and exits 2 when run without a command', async () => {
    const bare = await cli();
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: nestjs-amqp-events <command>');
    expect(bare.stderr).toContain('topology');
  });

  it('lists every dead-letter queue of a service with its count, without --queue', async () => {
    const table = await cli('dlq', 'list', '--service', service, '--exchange', exchange);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`${service}: 1 dead letter(s) in 2 dead-letter queue(s)`);
    const json = await cli('dlq', 'list', '--service', service, '--exchange', exchange, '--json');
    expect(JSON.parse(json.stdout)).toEqual({
      service,
      total: 1,
      queues: [
        { queue: quiet, dlq: `${quiet}.dlq`, count: 0 },
        { queue: failing, dlq: `${failing}.dlq`, count: 1 },
      ],
    });
    const unknown = await cli('dlq', 'list', '--service', 'nobody-here', '--exchange', exchange);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('has not recorded its topology');
  });

  it('replays a letter through the exchange it came from, not the CLI default', async () => {
    broken = false;
    const replay = await cli('dlq', 'replay', '--queue', failing, '--all', '--json');
    expect(replay.stderr).toBe('');
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({ queue: failing, replayed: [letterId], notFound: [] });
    await waitFor(() => handled.length === 1, 'the replayed delivery');
    expect(handled).toEqual([{ id: letterId, attempt: 1 }]);
  });

  it('describes the bus and the service queues, and deletes them only when confirmed', async () => {
    const described = await cli(
      'topology',
      'describe',
      '--exchange',
      exchange,
      '--service',
      service,
      '--json',
    );
    expect(described.code).toBe(0);
    const { objects } = JSON.parse(described.stdout) as {
      objects: Array<{ kind: string; name: string; exists: boolean }>;
    };
    const names = objects.map((o) => o.name);
    expect(names).toEqual(
      expect.arrayContaining([
        exchange,
        `${exchange}.dlx`,
        `${exchange}.retry`,
        `${exchange}.unrouted`,
        failing,
        `${failing}.dlq`,
        quiet,
      ]),
    );
    expect(objects.filter((o) => !o.exists)).toEqual([]);

    await app?.close();
    app = undefined;
    const unconfirmed = await cli('topology', 'delete', '--exchange', exchange, '--service', service);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('pass --yes');

    const deleted = await cli('topology', 'delete', '--exchange', exchange, '--service', service, '--yes');
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(
      new RegExp(`deleted \\d+ exchange\\(s\\) and \\d+ queue\\(s\\) of bus "${exchange}"`),
    );
    const after = await cli('topology', 'describe', '--exchange', exchange, '--json');
    const left = (
      JSON.parse(after.stdout) as { objects: Array<{ exists: boolean; name: string }> }
    ).objects.filter((o) => o.exists);
    expect(left).toEqual([]);
  });

  it('describes and deletes the quorum family of a quorum bus too (.delay.qNN, .unrouted.quorum)', async () => {
    const qExchange = uniqueName('cli-quorum');
    const qApp = await createEventsApp({
      exchange: qExchange,
      service: uniqueName('svc'),
      queueType: 'quorum',
      consume: false,
    });
    await qApp.close();
    const described = await cli('topology', 'describe', '--exchange', qExchange, '--json');
    const objects = (JSON.parse(described.stdout) as { objects: Array<{ name: string; exists: boolean }> })
      .objects;
    const existing = objects.filter((o) => o.exists).map((o) => o.name);
    expect(existing).toEqual(
      expect.arrayContaining([
        `${qExchange}.delay.q00`,
        `${qExchange}.delay.q31`,
        `${qExchange}.unrouted.quorum`,
      ]),
    );
    const deleted = await cli('topology', 'delete', '--exchange', qExchange, '--yes');
    expect(deleted.code).toBe(0);
    const after = await cli('topology', 'describe', '--exchange', qExchange, '--json');
    expect(
      (JSON.parse(after.stdout) as { objects: Array<{ exists: boolean }> }).objects.filter((o) => o.exists),
    ).toEqual([]);
  });
});
