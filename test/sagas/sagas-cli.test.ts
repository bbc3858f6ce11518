import type { INestApplicationContext } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { SagaOrchestrator, type SagaDefinition } from 'nestjs-amqp-events/sagas';
import {
  parseSagasArgs,
  runSagasCommand,
  sagasDataSourceOptions,
} from '../../libs/events/src/cli/sagas.command.js';
import { openSagaCliOps, type SagaCliOps } from '../../libs/events/src/sagas/saga-cli.ops.js';
import { AMQP_URL, deleteTopology, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { PG, type TestDatabase } from '../persistence/support/databases.js';
import { createSagaApp, createSagaDatabase, sagaQueues } from './support/saga-app.js';

describe('sagas CLI: list, show, abort', () => {
  const exchange = uniqueName('sagas-cli');
  const service = uniqueName('svc');
  let db: TestDatabase;
  let ds: DataSource;
  let app: INestApplicationContext;
  let ops: SagaCliOps;
  const undone: string[] = [];
  const definition: SagaDefinition = {
    name: 'hold',
    steps: [
      { name: 'book', execute: () => undefined, compensate: (_d, ctx) => void undone.push(ctx.sagaId) },
      { name: 'wait', awaitEvents: { types: ['Hold.released'], timeoutMs: 60_000 } },
    ],
  };
  const env = { DATABASE_URL: `postgres://${PG.username}@${PG.host}:${PG.port}/${PG.database}`, AMQP_URL };
  const cli = (...argv: string[]) => {
    const cmd = parseSagasArgs(
      [...argv, '--schema', db.where, '--service', service, '--exchange', exchange],
      env,
    );
    return runSagasCommand(cmd, ops);
  };

  beforeAll(async () => {
    db = await createSagaDatabase('postgres');
    ds = await db.connect();
    app = await createSagaApp({ exchange, service, dataSource: ds, sagas: { sagas: [definition] } });
    const cmd = parseSagasArgs(
      ['list', '--schema', db.where, '--service', service, '--exchange', exchange],
      env,
    );
    ops = await openSagaCliOps({ dataSource: sagasDataSourceOptions(cmd), uri: AMQP_URL, exchange, service });
  });

  afterAll(async () => {
    await ops?.close();
    await app?.close();
    await deleteTopology(exchange, sagaQueues(service));
    await db?.drop();
  });

  it('lists waiting sagas, shows one, and aborts it into compensation', async () => {
    const sagas = app.get(SagaOrchestrator);
    const { id } = await sagas.start('hold', { seat: '12A' });
    await waitFor(async () => (await sagas.get(id))?.status === 'waiting', 'waiting');

    const list = await cli('list', '--status', 'waiting');
    expect(list.exitCode).toBe(0);
    expect(list.text).toMatch(new RegExp(`^${id}  hold  waiting  1  `, 'm'));

    const show = await cli('show', id, '--json');
    expect(JSON.parse(show.text)).toMatchObject({
      id,
      status: 'waiting',
      completedSteps: ['book'],
      data: { seat: '12A' },
    });

    const abort = await cli('abort', id);
    expect(abort.text).toBe(`abort sent for saga ${id} (waiting); it compensates its completed steps`);
    await waitFor(async () => (await sagas.get(id))?.status === 'compensated', 'compensated');
    expect(undone).toEqual([id]);
    expect((await cli('abort', id)).text).toBe(`saga ${id} is compensated: nothing to abort`);
    expect(await cli('show', 'no-such-saga')).toEqual({ text: 'saga no-such-saga not found', exitCode: 1 });
  });

  it('refuses bad arguments with a usage error naming them', () => {
    expect(() => parseSagasArgs(['list', '--status', 'odd'], env)).toThrow(/--status must be one of/);
    expect(() => parseSagasArgs(['show'], env)).toThrow('sagas show needs a saga id');
    expect(() => parseSagasArgs(['list'], {})).toThrow(/no database/);
    expect(() => parseSagasArgs(['purge'], env)).toThrow(/unknown sagas action "purge"/);
  });
});
