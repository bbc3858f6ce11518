import { EventsError } from './events.error.js';

/**
 * The bus could not connect to RabbitMQ at startup (or when it first needed a connection): nothing
 * answered, the broker refused the login or the vhost, or the TLS handshake failed (untrusted CA,
 * expired certificate, host name mismatch, client certificate required). The message says which,
 * and never shows a password or key material.
 */
export class BrokerConnectionError extends EventsError {
  constructor(
    /** Which of the bus's two connections failed. */
    readonly role: 'publish' | 'consume',
    /** The URIs tried, passwords masked. */
    readonly uris: readonly string[],
    /** What went wrong, in words (the message without the URIs). */
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
