import { Logger } from '@nestjs/common';
import type { ChannelModel } from 'amqplib';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { maskUri } from '../options/resolve-options.js';
import { handlerTopology, mergeTopologies, sharedTopology, type Topology } from '../topology/topology.js';
import { applyTopology } from './topology.applier.js';
import { ConfirmPublisher } from './confirm-publisher.js';
import { ManagedConnection } from './managed-connection.js';
import { QueueConsumer, type DeliveryProcessor } from './queue-consumer.js';

export interface ConsumerSpec {
  queue: string;
  patterns: string[];
  prefetch: number;
  ordered: boolean;
  /** quorum x-delivery-limit backstop */
  deliveryLimit: number;
  /** x-max-priority of a classic queue; undefined = the module's `maxPriority` (none by default). */
  maxPriority?: number;
  processor: DeliveryProcessor;
  /** More to declare with the queue (e.g. bindings from `{exchange}.commands` for request queues). */
  extraTopology?: Topology;
}

/**
 * The AMQP side of the module: two connections (publish, consume), the confirm publisher, topology
 * declared at start and again on every reconnect, and one QueueConsumer per handler queue.
 */
export class AmqpEventsTransport {
  private readonly logger = new Logger('EventsTransport');
  readonly publishConnection: ManagedConnection;
  private consumeConnection: ManagedConnection | undefined;
  readonly publisher: ConfirmPublisher;
  private readonly consumers: QueueConsumer[] = [];
  private readonly shared: Topology;
  private readonly sharedApplied = new WeakMap<ChannelModel, Promise<void>>();

  constructor(private readonly options: ResolvedEventsOptions) {
    this.shared = sharedTopology(options.exchange);
    this.publishConnection = new ManagedConnection(options, 'publish');
    this.publisher = new ConfirmPublisher(
      this.publishConnection,
      options.publishTimeoutMs,
      options.maxBufferedPublishes,
      options.reconnectDelayMs,
    );
    this.publishConnection.onConnect((c) => this.ensureShared(c));
  }

  /** Waits for the broker (bounded by startupTimeoutMs) and declares the shared topology. */
  async start(): Promise<void> {
    try {
      await this.publishConnection.waitForConnect(this.options.startupTimeoutMs);
      const c = this.publishConnection.connection;
      if (c) await this.ensureShared(c);
    } catch (e) {
      // no reconnect loop left behind when startup fails
      await this.publisher.close();
      await this.publishConnection.close();
      throw e;
    }
  }

  /** Declares every handler queue (failing fast on a mismatch), then subscribes. */
  async startConsumers(specs: ConsumerSpec[]): Promise<void> {
    if (specs.length === 0) return;
    this.consumeConnection ??= new ManagedConnection(this.options, 'consume');
    const conn = this.consumeConnection;
    await conn.waitForConnect(this.options.startupTimeoutMs).catch(async (e: Error) => {
      await this.stop(0);
      throw e;
    });
    const first = conn.connection!;
    // every handler queue in one pass on one channel; throws TopologyMismatchError at startup
    await applyTopology(first, mergeTopologies(...specs.map((s) => this.topologyFor(s))));
    await Promise.all(
      specs.map((s) => {
        let declared: ChannelModel | undefined = first; // the first subscription needs no second declaration
        const consumer = new QueueConsumer(
          conn,
          s.queue,
          s.prefetch,
          s.processor,
          async (c) => {
            if (c === declared) {
              declared = undefined;
              return;
            }
            declared = undefined;
            await this.ensureShared(c);
            await applyTopology(c, this.topologyFor(s));
          },
          this.options.reconnectDelayMs,
          s.ordered,
        );
        this.consumers.push(consumer);
        return consumer.start();
      }),
    );
  }

  /**
   * Consumes one more queue on the consume connection (reply queues of waitForDelivery and
   * request/reply); `setup` declares it before every (re)subscribe. Stopped with the others.
   */
  async consume(queue: string, prefetch: number, processor: DeliveryProcessor, setup: (c: ChannelModel) => Promise<void>): Promise<void> {
    this.consumeConnection ??= new ManagedConnection(this.options, 'consume');
    await this.consumeConnection.waitForConnect(this.options.startupTimeoutMs);
    const consumer = new QueueConsumer(this.consumeConnection, queue, prefetch, processor, setup, this.options.reconnectDelayMs);
    this.consumers.push(consumer);
    await consumer.start();
  }

  /** Stop taking deliveries, let in-flight handlers finish (bounded), flush confirms, close. */
  async stop(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await Promise.all(this.consumers.map((c) => c.stop(timeoutMs)));
    await this.publisher.flush(Math.max(0, deadline - Date.now()));
    await this.publisher.close();
    await this.consumeConnection?.close();
    await this.publishConnection.close();
    this.logger.log(`closed connections to ${this.options.uris.map(maskUri).join(', ')}`);
  }

  status(): { publish: boolean; consume: boolean | undefined; blocked: string | undefined; consumers: number; activeConsumers: number } {
    return {
      publish: this.publishConnection.isConnected() && this.publisher.ready,
      consume: this.consumeConnection?.isConnected(),
      blocked: this.publishConnection.blocked,
      consumers: this.consumers.length,
      activeConsumers: this.consumers.filter((c) => c.active).length,
    };
  }

  private topologyFor(s: ConsumerSpec): Topology {
    const t = handlerTopology(this.options.exchange, {
      queue: s.queue,
      patterns: s.patterns,
      queueType: this.options.queueType,
      ordered: s.ordered,
      deliveryLimit: s.deliveryLimit,
      maxPriority: s.maxPriority ?? this.options.maxPriority,
    });
    return s.extraTopology ? mergeTopologies(s.extraTopology, t) : t;
  }

  private ensureShared(c: ChannelModel): Promise<void> {
    let p = this.sharedApplied.get(c);
    if (!p) {
      p = applyTopology(c, this.shared);
      this.sharedApplied.set(c, p);
      p.catch(() => this.sharedApplied.delete(c));
    }
    return p;
  }
}
