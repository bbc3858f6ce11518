import { EventsError } from './events.error.js';

/** The inbox/outbox database is not usable: tables missing (migrations not run) or an unsupported DataSource. */
export class PersistenceSetupError extends EventsError {}
