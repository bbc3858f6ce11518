import { EventsError } from './events.error.js';

/**
 * Infrastructure the handler depends on is unavailable (e.g. the inbox database is down). The delivery
 * is retried later without counting an attempt and without being dead-lettered.
 */
export class TransientError extends EventsError {}
