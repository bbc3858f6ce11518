import { Logger } from '@nestjs/common';
import amqpManager from 'amqp-connection-manager';
import type { AmqpConnectionManager as IAmqpConnectionManager } from 'amqp-connection-manager';
import type { ChannelModel } from 'amqplib';
import { maskUri } from '../options/resolve-options.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';

export type ConnectionRole = 'publish' | 'consume';

type ConnectListener = (connection: ChannelModel) => void | Promise<void>;

/**
 * What a failed connection attempt means, in words an operator can act on. Reads the broker's reply
 * (`NOT_ALLOWED - vhost x not found`, `ACCESS_REFUSED`) and Node's socket error codes; the URI's
 * password never appears. Pure.
 */
export function describeConnectError(err: unknown, uri?: string): string {
  const e = err as { message?: unknown; code?: unknown } | undefined;
  const message = maskUri(String(e?.message ?? err ?? 'unknown error'));
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const named = /vhost\s+(?:'([^']*)'|"([^"]*)"|(\S+))\s+not found/i.exec(message);
  // RabbitMQ answers connection.open for a vhost that is missing (or not permitted) with connection.close
  // (530 NOT_ALLOWED); the client may report only that it got a close instead of open-ok
  const refusedOpen = /ConnectionOpenOk/.test(message) && /ConnectionClose/.test(message);
  if (named || refusedOpen) {
    const vhost = named ? (named[1] ?? named[2] ?? named[3]) : vhostOf(uri);
    return `the broker refused virtual host "${vhost ?? '?'}": it does not exist, or this user has no permission on it (the URI's path names the vhost: amqp://host:5672/<vhost>; create it, grant access, or fix the URI) [${message}]`;
  }
  if (/ACCESS_REFUSED|403/.test(message))
    return `the broker refused the credentials or the vhost permissions of this user [${message}]`;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message))
    return `connection refused (is RabbitMQ running and listening on that host and port?) [${message}]`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host name not found [${message}]`;
  if (code === 'ETIMEDOUT' || /timed? ?out/i.test(message))
    return `no answer from the broker in time (firewall, wrong port, or an overloaded broker) [${message}]`;
  return message;
}

/** The vhost a URI names: its decoded path without the leading slash; "/" when it has none. */
function vhostOf(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  try {
    const path = new URL(uri).pathname;
    return path.length > 1 ? decodeURIComponent(path.slice(1)) : '/';
  } catch {
    return undefined;
  }
}

/**
 * One AMQP connection that reconnects on its own (amqp-connection-manager: cluster node rotation,
 * heartbeats, connect timeout). Listeners run on every (re)connect; they open their own channels.
 * Publishing and consuming use one ManagedConnection each, so a blocked publisher never stalls acks.
 */
export class ManagedConnection {
  private readonly logger: Logger;
  private manager: IAmqpConnectionManager | undefined;
  private readonly listeners = new Set<ConnectListener>();
  private blockedReason: string | undefined;
  private closing = false;
  /** The last reason a connect attempt failed or the connection dropped; named when startup fails. */
  private lastError: { err: unknown; uri?: string } | undefined;
  /** The current outage: when it began and how many attempts failed; undefined while connected. */
  private outage: { since: number; failures: number } | undefined;

  constructor(
    private readonly options: ResolvedEventsOptions,
    readonly role: ConnectionRole,
  ) {
    this.logger = new Logger(`EventsConnection:${role}`);
  }

  /** Starts connecting (once); reconnects on its own until close(). */
  open(): IAmqpConnectionManager {
    if (this.manager) return this.manager;
    if (this.closing) throw new Error(`connection (${this.role}) is closed`);
    const { options, role } = this;
    const manager = amqpManager.connect(options.uris, {
      heartbeatIntervalInSeconds: options.heartbeatSeconds,
      reconnectTimeInSeconds: options.reconnectDelayMs / 1000,
      connectionOptions: {
        timeout: options.connectTimeoutMs,
        clientProperties: { connection_name: `${options.service}:${role}`, product: 'nestjs-amqp-events' },
      },
    });
    manager.on('connect', ({ url }) => {
      const connection = manager.connection;
      const outage = this.outage;
      this.outage = undefined;
      this.lastError = undefined;
      const after = outage
        ? ` after ${outage.failures} failed attempt(s) in ${Math.round((Date.now() - outage.since) / 1000)} s`
        : '';
      this.logger.log(`connected to ${maskUri(typeof url === 'string' ? url : 'broker')}${after}`);
      if (!connection) return;
      for (const l of this.listeners) void this.runListener(l, connection);
    });
    // one warning when an outage begins, the attempts counted (debug) until the next 'connect'
    const failed = (what: string, err: unknown, uri?: string) => {
      if (this.closing) return;
      if (err !== undefined) this.lastError = { err, uri };
      const reason = err === undefined ? 'closed' : describeConnectError(err, uri);
      if (!this.outage) {
        this.outage = { since: Date.now(), failures: 0 };
        this.logger.warn(`${what}: ${reason}; reconnecting every ${options.reconnectDelayMs} ms`);
      } else {
        this.outage.failures++;
        this.logger.debug(`still disconnected (attempt ${this.outage.failures}): ${reason}`);
      }
    };
    manager.on('disconnect', ({ err }) => failed('disconnected', err));
    manager.on('connectFailed', ({ err, url }) => {
      const uri = typeof url === 'string' ? url : undefined;
      failed(`connect to ${maskUri(uri ?? 'broker')} failed`, err, uri);
    });
    manager.on('blocked', ({ reason }) => {
      this.blockedReason = reason;
      this.logger.warn(`broker blocked this connection: ${reason}`);
    });
    manager.on('unblocked', () => {
      this.blockedReason = undefined;
      this.logger.log('broker unblocked this connection');
    });
    this.manager = manager;
    return manager;
  }

  get connection(): ChannelModel | undefined {
    return this.manager?.connection;
  }

  isConnected(): boolean {
    return this.manager?.isConnected() ?? false;
  }

  get blocked(): string | undefined {
    return this.blockedReason;
  }

  /** Registers a listener run on every connect, and right away if connected now. */
  onConnect(listener: ConnectListener): () => void {
    this.listeners.add(listener);
    const current = this.manager?.connection;
    if (current) void this.runListener(listener, current);
    return () => this.listeners.delete(listener);
  }

  /** Waits for the first connection, failing after `timeoutMs` with a message that names the (masked) URIs. */
  async waitForConnect(timeoutMs: number): Promise<void> {
    // amqp-connection-manager's connect() waits for the *next* 'connect' event: when already
    // connected it would hang until the timeout (a second startConsumers(), a reply queue, ...)
    if (this.isConnected()) return;
    try {
      await this.open().connect({ timeout: timeoutMs });
    } catch (e) {
      // amqp-connection-manager reports only "connect timeout": the message names the attempts' own
      // last error instead (the manager's error stays the cause)
      const last = this.lastError;
      throw new Error(
        `Could not connect (${this.role}) to RabbitMQ at ${this.options.uris.map(maskUri).join(', ')} within ${timeoutMs} ms: ${describeConnectError(last?.err ?? e, last?.uri)}`,
        { cause: e },
      );
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.listeners.clear();
    await this.manager?.close().catch(() => undefined);
  }

  private async runListener(listener: ConnectListener, connection: ChannelModel): Promise<void> {
    try {
      await listener(connection);
    } catch (e) {
      this.logger.error(`setup after connect failed: ${maskUri((e as Error).message)}`, (e as Error).stack);
    }
  }
}
