import { EventsError } from '../errors/events.error.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import type { EventsPersistence } from '../persistence-seam.js';
import { PersistenceDatabase } from './persistence-database.js';
import { resolvePersistenceSettings } from './persistence-settings.js';
import { TypeOrmPersistence } from './typeorm-persistence.js';

/**
 * Builds the inbox/outbox on the configured TypeORM DataSource (loaded by EventsModule only when
 * `persistence` is set). Fails at startup on bad settings or missing tables.
 */
export async function createTypeOrmPersistence(options: ResolvedEventsOptions): Promise<EventsPersistence> {
  if (!options.persistence) throw new EventsError('createTypeOrmPersistence needs `persistence` options');
  const settings = resolvePersistenceSettings(options.persistence);
  const db = await PersistenceDatabase.open(options.persistence.dataSource);
  return new TypeOrmPersistence(db, settings, options.shutdownTimeoutMs);
}
