import type { INestApplicationContext } from '@nestjs/common';
import { EventStore, ProjectionService } from 'nestjs-amqp-events/event-sourcing';
import type { DataSource } from 'typeorm';
import { parseEventsArgs, runEventsCommand } from '../../libs/events/src/cli/events.command.js';
import {
  parseProjectionsArgs,
  runProjectionsCommand,
} from '../../libs/events/src/cli/projections.command.js';
import { openCliDataSource } from '../../libs/events/src/event-sourcing/cli-data-source.js';
import { waitFor } from '../support/wait.js';
import {
  APPLIED_CONFIG,
  AppliedProjection,
  appliedRows,
  createAppliedTable,
} from './support/applied.projection.js';
import { createEsApp } from './support/es-app.js';
import { createEventStoreDatabase, type TestDatabase } from './support/es-database.js';

describe('operator commands: projections and events (SQLite file)', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let cli: DataSource;
  let table: string;

  beforeAll(async () => {
    db = await createEventStoreDatabase('sqlite');
    const ds = await db.connect();
    table = await createAppliedTable(db, ds);
    app = await createEsApp({ dataSource: ds, es: { projections: { pollIntervalMs: 20, leaseMs: 1000 } } }, [
      AppliedProjection,
      { provide: APPLIED_CONFIG, useValue: { table, dialect: 'sqlite', instance: 'app', failOn: new Set() } },
    ]);
    const store = app.get(EventStore);
    await store.append(
      'order-9',
      [{ type: 'Load.placed', data: { n: 1 }, id: 'root-9', correlationId: 'root-9' }],
      { expectedVersion: 'no-stream' },
    );
    await store.append(
      'pay-9',
      [{ type: 'Load.paid', data: {}, id: 'pay-9', correlationId: 'root-9', causationId: 'root-9' }],
      { expectedVersion: 'no-stream' },
    );
    cli = await openCliDataSource(db.where);
  });
  afterAll(async () => {
    await cli?.destroy();
    await app?.close();
    await db?.drop();
  });

  it('parses the command lines and refuses bad ones', () => {
    expect(parseProjectionsArgs(['rebuild', 'es-applied', '--db', 'x.db'])).toEqual({
      action: 'rebuild',
      name: 'es-applied',
      json: false,
    });
    expect(parseEventsArgs(['chain', 'c-1', '--json'])).toEqual({
      action: 'chain',
      correlationId: 'c-1',
      json: true,
    });
    expect(() => parseProjectionsArgs(['rebuild'])).toThrow(/exactly one projection NAME/);
    expect(() => parseEventsArgs(['tail'])).toThrow(/expected stream or chain/);
  });

  it('shows a stream and a correlation chain', async () => {
    const stream = await runEventsCommand(parseEventsArgs(['stream', 'order-9']), cli);
    expect(stream).toMatchObject({ exitCode: 0 });
    expect(stream.text).toMatch(/order-9@1 Load\.placed v1 root-9 .* \{"n":1\}/);
    const chain = await runEventsCommand(parseEventsArgs(['chain', 'root-9']), cli);
    expect(chain.text.split('\n')).toHaveLength(2);
    expect(chain.text.split('\n')[1]).toMatch(/^ {2}#\d+ pay-9@1 Load\.paid/);
    expect((await runEventsCommand(parseEventsArgs(['stream', 'nope']), cli)).exitCode).toBe(1);
  });

  it('lists projections, shows their status and requests a rebuild that the running app performs', async () => {
    await waitFor(
      async () => (await app.get(ProjectionService).status()).some((s) => s.lag === 0 && s.position > 0),
      'catch-up',
    );
    expect((await runProjectionsCommand(parseProjectionsArgs(['list']), cli)).text).toBe('es-applied');
    const status = await runProjectionsCommand(parseProjectionsArgs(['status']), cli);
    expect(status.text).toMatch(/^NAME\s+POSITION\s+LAG\s+STATE/);
    expect(status.text).toMatch(/es-applied\s+2\s+0\s+running/);
    const before = (await appliedRows(cli, table)).map((r) => r.seq);
    expect((await runProjectionsCommand(parseProjectionsArgs(['rebuild', 'es-applied']), cli)).text).toMatch(
      /requested/,
    );
    await waitFor(async () => {
      const rows = await appliedRows(cli, table);
      return rows.length === 2 && rows.every((r) => !before.includes(r.seq));
    }, 'the rebuilt read model');
    expect((await runProjectionsCommand(parseProjectionsArgs(['rebuild', 'ghost']), cli)).exitCode).toBe(1);
  });
});
