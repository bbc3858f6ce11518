import amqplib from 'amqplib';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { SagaNotFoundError } from '../errors/saga-not-found.error.js';
import type { SagaInstance, SagaListFilter } from './saga-definition.interface.js';
import { FINAL_STATUSES } from './saga-definition.interface.js';
import { stepMessageId, stepType, type StepMessage } from './saga-messages.js';
import { openSagaStore } from './saga-store.factory.js';
import { toInstance, type SagaStore } from './saga.store.js';

/** What the `sagas` CLI needs: read the store, ask the service to abort. */
export interface SagaCliOps {
  list(filter: SagaListFilter): Promise<SagaInstance[]>;
  get(id: string): Promise<SagaInstance | undefined>;
  /** Sends the abort to the service's saga queue; resolves with the saga as it was. */
  abort(id: string): Promise<SagaInstance>;
  close(): Promise<void>;
}

export interface SagaCliConnection {
  /** TypeORM options of the database holding `events_sagas` (postgres or better-sqlite3). */
  dataSource: DataSourceOptions;
  /** Broker URI; needed by `abort` only. */
  uri: string;
  exchange: string;
  /** The service running the sagas (names its saga queue); needed by `abort` only. */
  service?: string;
}

/** Publishes the abort like the orchestrator does, as a plain AMQP message the library decodes. */
async function sendAbort(conn: SagaCliConnection, s: SagaInstance): Promise<void> {
  if (!conn.service) throw new Error('abort needs --service (the service running the saga)');
  const msg: StepMessage = { saga: s.id, kind: 'abort', step: s.currentStep, attempt: 1 };
  const connection = await amqplib.connect(conn.uri, {
    timeout: 10_000,
    clientProperties: { connection_name: 'nestjs-amqp-events-cli' },
  });
  try {
    connection.on('error', () => undefined);
    const ch = await connection.createConfirmChannel();
    const type = stepType(conn.service);
    ch.publish(conn.exchange, type, Buffer.from(JSON.stringify(msg)), {
      type,
      messageId: stepMessageId(msg),
      correlationId: s.correlationId,
      contentType: 'application/json',
      appId: 'nestjs-amqp-events-cli',
      timestamp: Math.floor(Date.now() / 1000),
      persistent: true,
      mandatory: true,
    });
    await ch.waitForConfirms();
    await ch.close();
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Opens the CLI's access to a saga database (never migrates, never synchronizes). */
export async function openSagaCliOps(conn: SagaCliConnection): Promise<SagaCliOps> {
  const ds = new DataSource({
    ...conn.dataSource,
    synchronize: false,
    migrationsRun: false,
  } as DataSourceOptions);
  let store: SagaStore;
  try {
    store = await openSagaStore(ds);
  } catch (e) {
    if (ds.isInitialized) await ds.destroy();
    throw e;
  }
  return {
    list: async (filter) => (await store.list(filter)).map(toInstance),
    get: async (id) => {
      const s = await store.get(id);
      return s ? toInstance(s) : undefined;
    },
    abort: async (id) => {
      const s = await store.get(id);
      if (!s) throw new SagaNotFoundError(id);
      if (!FINAL_STATUSES.has(s.status) && s.status !== 'compensating') await sendAbort(conn, toInstance(s));
      return toInstance(s);
    },
    close: () => ds.destroy(),
  };
}
