import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { OnEvent, type EventContext } from 'nestjs-amqp-events';
import {
  EventStore,
  STREAM_HEADERS,
  upcastEvent,
  buildUpcasterRegistry,
  WrongExpectedVersionError,
  type EventUpcaster,
} from 'nestjs-amqp-events/event-sourcing';
import type { DataSource } from 'typeorm';
import { createEventsApp } from '../support/app.js';
import { deleteTopology, queueDepth, uniqueName } from '../support/broker.js';
import { waitFor } from '../support/wait.js';
import { createEsApp } from './support/es-app.js';
import { createEventStoreDatabase, type TestDatabase } from './support/es-database.js';

const exchange = uniqueName('es-bus');
const upcasters: EventUpcaster[] = [
  {
    eventType: 'EsBus.versioned',
    fromVersion: 1,
    toVersion: 2,
    upcast: (d) => ({ ...(d as object), v2: true }),
  },
];
const queueA = uniqueName('es-bus-a');
const queueB = uniqueName('es-bus-b');

interface Seen {
  id: string;
  type: string;
  data: unknown;
  headers: EventContext['headers'];
  schemaVersion: number;
}
const seenA: Seen[] = [];
const seenB: Seen[] = [];
const record = (list: Seen[], data: unknown, ctx: EventContext) =>
  list.push({ id: ctx.id, type: ctx.type, data, headers: ctx.headers, schemaVersion: ctx.schemaVersion });

@Injectable()
class SubscriberA {
  @OnEvent('EsBus.*', { queue: queueA })
  on(data: unknown, ctx: EventContext) {
    record(seenA, data, ctx);
  }
}

@Injectable()
class SubscriberB {
  @OnEvent('EsBus.*', { queue: queueB })
  on(data: unknown, ctx: EventContext) {
    record(seenB, data, ctx);
  }
}

describe('EventStore appends on the bus (Postgres outbox, RabbitMQ)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let producer: INestApplicationContext;
  let consumer: INestApplicationContext;
  let store: EventStore;

  /** Appends a sentinel and waits until both subscribers saw it: everything committed before it was relayed. */
  async function settle(): Promise<void> {
    const r = await store.append(uniqueName('sentinel'), [{ type: 'EsBus.sentinel', data: {} }], {
      expectedVersion: 'no-stream',
    });
    await waitFor(
      () => seenA.some((s) => s.id === r.ids[0]) && seenB.some((s) => s.id === r.ids[0]),
      'the sentinel',
      15_000,
    );
  }

  beforeAll(async () => {
    db = await createEventStoreDatabase('postgres');
    ds = await db.connect();
    consumer = await createEventsApp({ exchange, service: 'es-consumer' }, [SubscriberA, SubscriberB]);
    producer = await createEsApp({
      dataSource: ds,
      bus: { exchange, service: 'es-producer', consume: false },
      es: { upcasters },
    });
    store = producer.get(EventStore);
  }, 30_000);
  afterAll(async () => {
    await producer?.close();
    await consumer?.close();
    await db?.drop();
    await deleteTopology(exchange, [queueA, queueB]);
  });

  it('publishes appended events once, with the same id and the stream id/version headers', async () => {
    const r = await store.append(
      'bus-order-1',
      [
        { type: 'EsBus.placed', data: { n: 1 }, correlationId: 'bus-c1' },
        { type: 'EsBus.paid', data: { n: 2 } },
      ],
      { expectedVersion: 'no-stream' },
    );
    await settle();
    for (const [i, id] of r.ids.entries()) {
      const copies = seenA.filter((s) => s.id === id);
      expect(copies).toHaveLength(1);
      expect(copies[0].headers).toMatchObject({
        [STREAM_HEADERS.streamId]: 'bus-order-1',
        [STREAM_HEADERS.streamVersion]: i + 1,
      });
      expect(copies[0].headers[STREAM_HEADERS.schemaVersion]).toBeUndefined();
    }
    expect(seenA.find((s) => s.id === r.ids[0])!.data).toEqual({ n: 1 });
  }, 30_000);

  it('writes the current schema version in x-schema-version, which upcastEvent() uses on an older copy', async () => {
    const r = await store.append('bus-versioned', [{ type: 'EsBus.versioned', data: { a: 1 } }], {
      expectedVersion: 'no-stream',
    });
    await settle();
    const copy = seenA.find((s) => s.id === r.ids[0])!;
    expect(copy.schemaVersion).toBe(2); // x-schema-version on the wire; a library header, so not in ctx.headers
    // what the delivery path does for a copy that carries an older version (v1 here)
    expect(upcastEvent(buildUpcasterRegistry(upcasters), copy.type, 1, { a: 1 })).toEqual({
      version: 2,
      data: { a: 1, v2: true },
    });
  }, 30_000);

  it('publishes nothing for a rolled-back append, and only the winner of conflicting appends', async () => {
    const rolledBack = uniqueName('rb');
    await expect(
      ds.transaction(async (m) => {
        await store.append('bus-rb', [{ type: 'EsBus.ghost', data: {}, id: rolledBack }], {
          expectedVersion: 'no-stream',
          transaction: m,
        });
        throw new Error('the command failed after the append');
      }),
    ).rejects.toThrow(/command failed/);
    const ids = Array.from({ length: 6 }, () => uniqueName('race'));
    const results = await Promise.allSettled(
      ids.map((id) =>
        store.append('bus-race', [{ type: 'EsBus.raced', data: {}, id }], { expectedVersion: 'no-stream' }),
      ),
    );
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [ids[i]] : []));
    expect(winners).toHaveLength(1);
    for (const r of results)
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(WrongExpectedVersionError);
    await settle();
    expect(seenA.map((s) => s.id)).not.toContain(rolledBack);
    expect(seenA.filter((s) => s.type === 'EsBus.raced').map((s) => s.id)).toEqual(winners);
    expect(await store.readStream('bus-rb')).toHaveLength(0);
    const outbox = (await ds.query(
      `SELECT COUNT(*) AS n FROM ${db.table('events_outbox')} WHERE "event_id" = ANY($1)`,
      [[rolledBack, ...ids.filter((i) => !winners.includes(i))]],
    )) as Array<{ n: string }>;
    expect(Number(outbox[0].n)).toBe(0);
  }, 30_000);

  it('replays stored events to one handler queue only, marked as replays, with the same ids', async () => {
    const r = await store.append(
      'bus-replay',
      [
        { type: 'EsBus.old1', data: { v: 1 } },
        { type: 'EsBus.old2', data: { v: 2 } },
      ],
      { expectedVersion: 'no-stream' },
    );
    await settle();
    const beforeA = seenA.length;
    const beforeB = seenB.length;
    const { sent } = await store.replay({ streamId: 'bus-replay' }, { toQueue: queueA });
    expect(sent).toBe(2);
    await waitFor(() => seenA.length >= beforeA + 2, 'the replayed copies on queue A', 15_000);
    const copies = seenA.slice(beforeA);
    expect(copies.map((c) => c.id)).toEqual(r.ids);
    expect(copies.every((c) => typeof c.headers[STREAM_HEADERS.storeReplay] === 'string')).toBe(true);
    expect(copies.map((c) => c.headers[STREAM_HEADERS.streamVersion])).toEqual([1, 2]);
    expect(await queueDepth(queueB)).toBe(0);
    expect(seenB.length).toBe(beforeB);
    await expect(store.replay({}, { toQueue: uniqueName('no-such-queue') })).rejects.toThrow(
      /does not exist/,
    );
  }, 30_000);
});
