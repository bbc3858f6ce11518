import { Logger } from '@nestjs/common';
import amqpManager from 'amqp-connection-manager';
import type { AmqpConnectionManager as IAmqpConnectionManager } from 'amqp-connection-manager';
import type { ChannelModel } from 'amqplib';
import { BrokerConnectionError } from '../errors/broker-connection.error.js';
import { maskUri } from '../options/resolve-options.js';
import { describeConnectError, isTlsHandshakeError } from './connect-error.js';
import { amqpSocketOptions } from './socket-options.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';

export type ConnectionRole = 'publish' | 'consume';

type ConnectListener = (connection: ChannelModel) => void | Promise<void>;

export { describeConnectError, isTlsHandshakeError } from './connect-error.js';

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
  /** URIs whose last attempt failed in the TLS handshake; startup gives up when every node is in it. */
  private readonly tlsRefused = new Set<string>();
  private tlsRefusedWaiters: Array<() => void> = [];

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
    if (options.tls?.rejectUnauthorized === false) {
      this.logger.warn(
        'tls.rejectUnauthorized is false: the broker certificate is not verified (encrypted, but open to a man-in-the-middle); for tests only',
      );
    }
    const manager = amqpManager.connect(options.uris, {
      heartbeatIntervalInSeconds: options.heartbeatSeconds,
      reconnectTimeInSeconds: options.reconnectDelayMs / 1000,
      // amqplib hands these to net.connect() / tls.connect(): the tls option becomes the TLS socket's
      connectionOptions: amqpSocketOptions(options, `${options.service}:${role}`),
    });
    manager.on('connect', ({ url }) => {
      const connection = manager.connection;
      const outage = this.outage;
      this.outage = undefined;
      this.lastError = undefined;
      this.tlsRefused.clear();
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
      if (uri === undefined) return;
      if (isTlsHandshakeError(err)) this.tlsRefused.add(uri);
      else this.tlsRefused.delete(uri);
      if (this.tlsRefused.size >= new Set(options.uris).size) {
        for (const w of this.tlsRefusedWaiters.splice(0)) w();
      }
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
    // no timeout passed to the manager: its timer outlives a lost race and would hold the process
    // open for the whole timeout after a failed startup; this one is cleared below
    const connecting = this.open().connect();
    connecting.catch(() => undefined); // may lose the race below
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('connect timeout')), timeoutMs);
    });
    // a TLS handshake refused by every node (untrusted CA, expired certificate, host name mismatch)
    // will not fix itself within the timeout: fail at once instead of waiting it out
    let wake: () => void = () => undefined;
    const refused = new Promise<'tls-refused'>((resolve) => {
      wake = () => resolve('tls-refused');
      this.tlsRefusedWaiters.push(wake);
    });
    const uris = this.options.uris.map(maskUri);
    try {
      const outcome = await Promise.race([connecting, refused, timedOut]);
      if (outcome === 'tls-refused') {
        const last = this.lastError;
        const reason = describeConnectError(last?.err, last?.uri);
        throw new BrokerConnectionError(
          this.role,
          uris,
          reason,
          `Could not connect (${this.role}) to RabbitMQ at ${uris.join(', ')}: ${reason}`,
          { cause: last?.err },
        );
      }
    } catch (e) {
      if (e instanceof BrokerConnectionError) throw e;
      // a timeout says nothing about why: the message names the attempts' own last error instead
      // (the timeout, or the manager's error for a refused login, stays the cause)
      const last = this.lastError;
      const reason = describeConnectError(last?.err ?? e, last?.uri);
      throw new BrokerConnectionError(
        this.role,
        uris,
        reason,
        `Could not connect (${this.role}) to RabbitMQ at ${uris.join(', ')} within ${timeoutMs} ms: ${reason}`,
        { cause: e },
      );
    } finally {
      clearTimeout(timer);
      this.tlsRefusedWaiters = this.tlsRefusedWaiters.filter((w) => w !== wake);
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
