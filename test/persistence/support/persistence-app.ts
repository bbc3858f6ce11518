import type { INestApplicationContext, Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { EventsPersistenceOptions } from 'nestjs-amqp-events';
import { createEventsApp, type TestAppContextOptions, type TestAppOptions } from '../../support/app.js';

export interface PersistenceAppOptions extends Omit<TestAppOptions, 'persistence'> {
  dataSource: DataSource;
  persistence?: Omit<EventsPersistenceOptions, 'dataSource'>;
}

/** An EventsModule app with `persistence: { dataSource, ... }` (forRoot), and quick retries for tests. */
export function createPersistenceApp(
  options: PersistenceAppOptions,
  providers: Provider[] = [],
  context: TestAppContextOptions = {},
): Promise<INestApplicationContext> {
  const { dataSource, persistence, ...rest } = options;
  return createEventsApp(
    {
      retry: { maxAttempts: 3, initialDelayMs: 100, backoff: 'fixed' },
      reconnectDelayMs: 200,
      ...rest,
      persistence: { dataSource, relayIntervalMs: 50, ...persistence },
    },
    providers,
    context,
  );
}
