import type { ResolvedEventsOptions } from '../options/resolved-options.js';

/**
 * amqplib's socket options for a connection of this bus: connect timeout, the `tls` option (handed to
 * `tls.connect()` for `amqps://`), the connection name shown by the broker. For every connection the
 * library opens, so TLS settings apply to all of them.
 */
export function amqpSocketOptions(options: ResolvedEventsOptions, connectionName: string) {
  return {
    ...options.tls,
    timeout: options.connectTimeoutMs,
    clientProperties: { connection_name: connectionName, product: 'nestjs-amqp-events' },
  };
}
