import { Logger } from '@nestjs/common';
import amqpManager from 'amqp-connection-manager';
import type { AmqpConnectionManager as IAmqpConnectionManager } from 'amqp-connection-manager';
import type { ChannelModel } from 'amqplib';
import { maskUri } from '../options/resolve-options.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';

export type ConnectionRole = 'publish' | 'consume';

type ConnectListener = (connection: ChannelModel) => void | Promise<void>;

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
      this.logger.log(`connected to ${maskUri(typeof url === 'string' ? url : 'broker')}`);
      if (!connection) return;
      for (const l of this.listeners) void this.runListener(l, connection);
    });
    manager.on('disconnect', ({ err }) => {
      if (!this.closing) this.logger.warn(`disconnected: ${maskUri(err?.message ?? 'closed')}; reconnecting`);
    });
    manager.on('connectFailed', ({ err, url }) => {
      if (!this.closing) {
        this.logger.warn(
          `connect to ${maskUri(typeof url === 'string' ? url : 'broker')} failed: ${maskUri(err?.message ?? '')}`,
        );
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
    try {
      await this.open().connect({ timeout: timeoutMs });
    } catch (e) {
      throw new Error(
        `Could not connect (${this.role}) to RabbitMQ at ${this.options.uris.map(maskUri).join(', ')} within ${timeoutMs} ms: ${maskUri((e as Error).message)}`,
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
