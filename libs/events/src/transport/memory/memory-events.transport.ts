import { Logger } from '@nestjs/common';
import { EventsError } from '../../errors/events.error.js';
import { PublishError } from '../../errors/publish.error.js';
import { UnroutableEventError } from '../../errors/unroutable-event.error.js';
import type { ResolvedEventsOptions } from '../../options/resolved-options.js';
import { sharedTopology, type Topology } from '../../topology/topology.js';
import { names } from '../../topology/topology-names.js';
import type {
  ConsumerSpec,
  DeadLetterStore,
  DeliveryProcessor,
  EventsTransport,
  OutboundProperties,
  TransportStatus,
} from '../events-transport.js';
import type { MemoryBroker } from './memory-broker.js';
import { MemoryDeadLetters } from './memory-dead-letters.js';

/**
 * The in-process transport (`transport: 'memory'`, `EventsTestingModule`): the same topology, routing,
 * retry path (`{exchange}.retry`), dead-letter queues and delays as on RabbitMQ, on a MemoryBroker.
 * Publishes are "confirmed" once routed; nothing leaves the process.
 */
export class MemoryEventsTransport implements EventsTransport {
  readonly kind = 'memory' as const;
  private readonly logger = new Logger('EventsTransport:memory');
  private readonly consumers = new Map<string, { processor: DeliveryProcessor }>();
  private closed = false;

  constructor(
    private readonly options: ResolvedEventsOptions,
    readonly broker: MemoryBroker,
  ) {}

  start(): Promise<void> {
    this.broker.declare(sharedTopology(this.options.exchange, this.options.queueType));
    return Promise.resolve();
  }

  declare(topology: Topology): Promise<void> {
    this.broker.declare(topology);
    return Promise.resolve();
  }

  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    properties: OutboundProperties,
    delayMs = 0,
  ): Promise<void> {
    if (this.closed)
      return Promise.reject(
        new PublishError('publisher is closed (application shutting down)', 'closed', routingKey),
      );
    if (delayMs >= 1) {
      if (exchange !== this.options.exchange)
        return Promise.reject(
          new EventsError(`delayed publishing goes to "${this.options.exchange}" only, not "${exchange}"`),
        );
      this.broker.schedule(delayMs, () => this.route(exchange, routingKey, content, properties));
      return Promise.resolve();
    }
    try {
      if (this.route(exchange, routingKey, content, properties) === 0) {
        return Promise.reject(
          new UnroutableEventError(exchange, routingKey, stringOrUndefined(properties.messageId)),
        );
      }
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return Promise.resolve();
  }

  sendToQueue(
    queue: string,
    content: Buffer,
    properties: OutboundProperties,
    delayMs: number,
  ): Promise<void> {
    const send = () => this.route(names.retryExchange(this.options.exchange), queue, content, properties);
    if (delayMs >= 1) this.broker.schedule(delayMs, send);
    else send();
    return Promise.resolve();
  }

  deadLetter(queue: string, content: Buffer, properties: OutboundProperties): Promise<void> {
    this.route(names.deadLetterExchange(this.options.exchange), queue, content, properties);
    return Promise.resolve();
  }

  consume(specs: ConsumerSpec[]): Promise<void> {
    for (const s of specs) {
      if (s.transientExpiresMs === undefined) this.broker.declare(s.topology);
      const q = this.broker.queue(
        s.queue,
        s.ordered ? { ...queueArgs(s), 'x-single-active-consumer': true } : queueArgs(s),
      );
      q.addConsumer(s.processor, s.ordered ? 1 : s.prefetch);
      this.consumers.set(s.queue, { processor: s.processor });
    }
    return Promise.resolve();
  }

  async cancel(queue: string, timeoutMs: number): Promise<void> {
    const c = this.consumers.get(queue);
    this.consumers.delete(queue);
    const q = this.broker.findQueue(queue);
    if (c) q?.removeConsumer(c.processor);
    const deadline = Date.now() + timeoutMs;
    while ((q?.inFlight ?? 0) > 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  }

  remove(topology: Topology): Promise<void> {
    for (const q of topology.queues) this.broker.deleteQueue(q.name);
    for (const e of topology.exchanges) this.broker.deleteExchange(e.name);
    return Promise.resolve();
  }

  async stop(timeoutMs: number): Promise<void> {
    // in-flight deliveries of this bus finish (bounded), as on RabbitMQ
    await Promise.all([...this.consumers.keys()].map((q) => this.cancel(q, timeoutMs)));
    this.closed = true;
    this.logger.debug(`memory transport of "${this.options.service}" stopped`);
  }

  status(): TransportStatus {
    return {
      publish: !this.closed,
      consume: this.consumers.size > 0 ? !this.closed : undefined,
      blocked: undefined,
      consumers: this.consumers.size,
      activeConsumers: this.closed ? 0 : this.consumers.size,
    };
  }

  deadLetters(): DeadLetterStore {
    return new MemoryDeadLetters(this.broker, this.options.exchange);
  }

  queueDepth(queue: string): Promise<number> {
    const q = this.broker.findQueue(queue);
    if (!q) return Promise.reject(new EventsError(`NOT_FOUND - no queue '${queue}'`));
    return Promise.resolve(q.messages.length);
  }

  private route(
    exchange: string,
    routingKey: string,
    content: Buffer,
    properties: OutboundProperties,
  ): number {
    return this.broker.publish(exchange, routingKey, content, properties);
  }
}

function queueArgs(s: ConsumerSpec): Record<string, unknown> {
  return s.topology.queues.find((q) => q.name === s.queue)?.arguments ?? {};
}

function stringOrUndefined(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
