import type { Logger } from '@nestjs/common';
import { PersistenceSetupError } from '../errors/persistence-setup.error.js';
import { isTransientDatabaseError } from './database-errors.js';
import type { PersistenceDatabase } from './persistence-database.js';

/**
 * Fails with PersistenceSetupError naming the migrations when a table (or the Postgres outbox sequence) is
 * missing. A database that does not answer right now is only logged: deliveries wait for it later.
 */
export async function checkEventsTables(db: PersistenceDatabase, logger: Logger): Promise<void> {
  const probes: Array<[string, string]> = [
    ['events_inbox', db.sql.probe('inbox')],
    ['events_outbox', db.sql.probe('outbox')],
  ];
  if (db.dialect === 'postgres') probes.push(['events_outbox_seq', db.sql.probeSequence()]);
  for (const [name, query] of probes) {
    try {
      await db.session((qr) => qr.query(query));
    } catch (e) {
      if (isTransientDatabaseError(e)) {
        logger.warn(`could not check ${name} (database unavailable: ${(e as Error).message}); continuing`);
        return;
      }
      const migrations = db.dialect === 'postgres' ? 'eventsPostgresMigrations' : 'eventsSqliteMigrations';
      throw new PersistenceSetupError(
        `${name} is missing or unreadable (${(e as Error).message}): add ${migrations} to your DataSource's migrations and run them (see docs/idempotency-and-outbox.md)`,
        { cause: e },
      );
    }
  }
}
