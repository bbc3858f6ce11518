import { Logger } from '@nestjs/common';
import type { Channel, ChannelModel } from 'amqplib';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { maskUri } from '../options/resolve-options.js';
import { delayRoute } from '../topology/delay-route.js';
import { consumerTopology, sharedTopology, type Topology } from '../topology/topology.js';
import { names } from '../topology/topology-names.js';
import type {
  ConsumerSpec,
  DeadLetterStore,
  EventsTransport,
  OutboundProperties,
  TransportStatus,
} from '../transport/events-transport.js';
import { DeadLetterOps } from '../dead-letter/dead-letter-ops.js';
import { EventsError } from '../errors/events.error.js';
import { applyTopology } from './topology.applier.js';
import { amqp, publishOptions, withHeaders } from './outbound-options.js';
import { declareTransient } from './transient-queue.js';
import { ConfirmPublisher } from './confirm-publisher.js';
import { ManagedConnection } from './managed-connection.js';
import { PublishSideTopology } from './publish-side-topology.js';
import { QueueConsumer } from './queue-consumer.js';
import { recordServiceTopology } from './service-topology.registry.js';
import { settlesWithin } from '../runtime/settles-within.js';

/**
 * The RabbitMQ transport: two connections (publish, consume, so a blocked publisher never stalls
 * acks), the confirm publisher, topology declared at start and again on every reconnect, and one
 * QueueConsumer (own channel) per consumed queue. The only part of the library that knows amqplib.
 */
export class AmqpEventsTransport implements EventsTransport {
  readonly kind = 'amqp' as const;
  private readonly logger = new Logger('EventsTransport');
  readonly publishConnection: ManagedConnection;
  private consumeConnection: ManagedConnection | undefined;
  readonly publisher: ConfirmPublisher;
  private readonly consumers = new Map<string, QueueConsumer>();
  /** Declared on the publish connection after every (re)connect: shared topology, then `declare()` extras. */
  private readonly publishSide: PublishSideTopology;

  constructor(private readonly options: ResolvedEventsOptions) {
    this.publishConnection = new ManagedConnection(options, 'publish');
    this.publishSide = new PublishSideTopology(
      sharedTopology(options.exchange, options.queueType),
      this.publishConnection,
      options.reconnectDelayMs,
      this.logger,
    );
    this.publisher = new ConfirmPublisher(
      this.publishConnection,
      options.publishTimeoutMs,
      options.maxBufferedPublishes,
      options.reconnectDelayMs,
    );
    this.publishConnection.onConnect((c) => this.publishSide.ensure(c));
  }

  async start(): Promise<void> {
    try {
      await this.publishConnection.waitForConnect(this.options.startupTimeoutMs);
      const c = this.publishConnection.connection;
      if (c) await this.publishSide.ensure(c);
    } catch (e) {
      // no reconnect loop (nor a re-declaration timer) left behind when startup fails
      this.publishSide.stop();
      await this.publisher.close();
      await this.publishConnection.close();
      throw e;
    }
  }

  async declare(topology: Topology): Promise<void> {
    this.publishSide.add(topology);
    const c =
      this.publishConnection.connection ??
      (await this.publishConnection.waitForConnect(this.options.publishTimeoutMs),
      this.publishConnection.connection);
    if (c) await this.publishSide.apply(c, topology);
  }

  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    properties: OutboundProperties,
    delayMs = 0,
  ): Promise<void> {
    if (delayMs >= 1) {
      if (exchange !== this.options.exchange)
        return Promise.reject(
          new EventsError(`delayed publishing goes to "${this.options.exchange}" only, not "${exchange}"`),
        );
      let route;
      try {
        route = delayRoute(this.options.exchange, delayMs, 'publish', this.options.queueType);
      } catch (e) {
        return Promise.reject(e as Error);
      }
      return this.publisher.publish(
        route.exchange,
        routingKey,
        content,
        withHeaders(properties, route.headers),
      );
    }
    return this.publisher.publish(exchange, routingKey, content, publishOptions(properties));
  }

  sendToQueue(
    queue: string,
    content: Buffer,
    properties: OutboundProperties,
    delayMs: number,
  ): Promise<void> {
    if (delayMs >= 1) {
      let route;
      try {
        route = delayRoute(this.options.exchange, delayMs, 'retry', this.options.queueType);
      } catch (e) {
        return Promise.reject(e as Error);
      }
      return this.publisher.publish(
        route.exchange,
        queue,
        content,
        withHeaders(properties, route.headers),
        true,
      );
    }
    return this.publisher.publish(
      names.retryExchange(this.options.exchange),
      queue,
      content,
      amqp(properties),
      true,
    );
  }

  deadLetter(queue: string, content: Buffer, properties: OutboundProperties): Promise<void> {
    return this.publisher.publish(
      names.deadLetterExchange(this.options.exchange),
      queue,
      content,
      amqp(properties),
      true,
    );
  }

  /**
   * Declares every queue in one pass (failing fast on a mismatch), then subscribes. A re-subscribe
   * declares only what its queue needs (the exchanges it binds to, its queues and bindings), never a
   * shared queue: a consumer re-attaches whichever node is down, as long as its own queue is up.
   */
  async consume(specs: ConsumerSpec[]): Promise<void> {
    if (specs.length === 0) return;
    this.consumeConnection ??= new ManagedConnection(this.options, 'consume');
    const conn = this.consumeConnection;
    await conn.waitForConnect(this.options.startupTimeoutMs);
    const first = conn.connection!;
    const durable = specs.filter((s) => s.transientExpiresMs === undefined);
    if (durable.length > 0)
      await applyTopology(
        first,
        consumerTopology(mergeAll(durable.map((s) => s.topology)), this.publishSide.shared),
      );
    await Promise.all(
      specs.map((s) => {
        let declared: ChannelModel | undefined = s.transientExpiresMs === undefined ? first : undefined; // no second declaration on the first subscribe
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
            if (s.transientExpiresMs !== undefined)
              return declareTransient(c, s.queue, s.transientExpiresMs, this.options.queueType);
            // after a broker restart the consume side may reconnect first: the exchanges it binds to come first
            await applyTopology(c, consumerTopology(s.topology, this.publishSide.shared));
          },
          this.options.reconnectDelayMs,
          s.ordered,
          () => this.publishConnection.blocked,
        );
        this.consumers.set(s.queue, consumer);
        return consumer.start();
      }),
    );
  }

  async cancel(queue: string, timeoutMs: number): Promise<void> {
    const consumer = this.consumers.get(queue);
    this.consumers.delete(queue);
    await consumer?.stop(timeoutMs);
  }

  async remove(topology: Topology): Promise<void> {
    const c = this.publishConnection.connection;
    if (c) this.publishSide.forget(c);
    await this.withChannel(async (ch) => {
      for (const q of topology.queues) await ch.deleteQueue(q.name);
      for (const e of topology.exchanges) await ch.deleteExchange(e.name);
    });
  }

  async stop(timeoutMs: number): Promise<void> {
    this.publishSide.stop();
    const deadline = Date.now() + timeoutMs;
    await Promise.all([...this.consumers.values()].map((c) => c.stop(timeoutMs)));
    await this.publisher.flush(Math.max(0, deadline - Date.now()));
    // a connection the broker blocks (memory or disk alarm) is not read by the broker, so the close of
    // its channels and of itself is never answered: shutdown stays bounded and says why
    const blocked = this.publishConnection.blocked;
    const left = Math.max(1000, deadline - Date.now());
    const closing = async () => {
      await this.publisher.close();
      await this.consumeConnection?.close();
      await this.publishConnection.close();
    };
    if (!(await settlesWithin(closing(), left))) {
      this.logger.warn(
        `the publish connection did not close within ${left} ms (${blocked !== undefined ? `the broker blocks it: ${blocked}` : 'no answer from the broker'}); leaving it to the broker`,
      );
      return;
    }
    this.logger.log(`closed connections to ${this.options.uris.map(maskUri).join(', ')}`);
  }

  status(): TransportStatus {
    const consumers = [...this.consumers.values()];
    return {
      publish: this.publishConnection.isConnected() && this.publisher.ready,
      consume: this.consumeConnection?.isConnected(),
      blocked: this.publishConnection.blocked,
      consumers: consumers.length,
      activeConsumers: consumers.filter((c) => c.active).length,
    };
  }

  deadLetters(): DeadLetterStore {
    const c = this.publishConnection.connection;
    if (!c) throw new EventsError('not connected to RabbitMQ; dead-letter operations need a connection');
    return new DeadLetterOps(c, this.options.exchange);
  }

  async recordService(service: string, queues: string[]): Promise<void> {
    try {
      await this.withChannel((ch) =>
        recordServiceTopology(ch, { service, exchange: this.options.exchange, queues }),
      );
    } catch (e) {
      this.logger.warn(
        `could not record the queues of "${service}" for the CLI: ${maskUri((e as Error).message)}`,
      );
    }
  }

  queueDepth(queue: string): Promise<number> {
    return this.withChannel(async (ch) => (await ch.checkQueue(queue)).messageCount);
  }

  private async withChannel<T>(work: (ch: Channel) => Promise<T>): Promise<T> {
    const c = this.publishConnection.connection;
    if (!c) throw new EventsError('not connected to RabbitMQ');
    const ch = await c.createChannel();
    ch.on('error', () => undefined); // reported through the rejected operation
    try {
      return await work(ch);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }
}

function mergeAll(parts: Topology[]): Topology {
  return {
    exchanges: parts.flatMap((p) => p.exchanges),
    queues: parts.flatMap((p) => p.queues),
    bindings: parts.flatMap((p) => p.bindings),
  };
}
