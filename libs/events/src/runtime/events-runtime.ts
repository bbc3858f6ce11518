import { Logger } from '@nestjs/common';
import type { HandlerRegistration } from '../consumer/handler-registration.js';
import { DeliveryWaiter } from '../delivery/delivery-waiter.js';
import type { EventEnvelope } from '../envelope/envelope.js';
import { HandlerRegistrationError } from '../errors/handler-registration.error.js';
import { EventsMetrics } from '../observability/events-metrics.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import type { EventsPersistence } from '../persistence-seam.js';
import { EventPublisher } from '../publisher/event-publisher.js';
import {
  handlerTopology,
  mergeTopologies,
  QUORUM_DELIVERY_LIMIT,
  type Topology,
} from '../topology/topology.js';
import { names } from '../topology/topology-names.js';
import { filterExchangeName, withHeaderFilter } from './filter-topology.js';
import type { ConsumerSpec, EventsTransport } from '../transport/events-transport.js';
import type { MemoryBroker } from '../transport/memory/memory-broker.js';
import { DeliveryProcessorImpl } from './delivery.processor.js';
import { PayloadCipher } from './payload-cipher.js';
import type { BuiltHandler } from './handler-registration.builder.js';
import { RuntimeObservers } from './runtime-observer.js';

export interface EventsRuntimeDeps {
  persistence?: EventsPersistence;
  /** The in-process broker of the memory transport (default: the process-wide one). */
  memoryBroker?: MemoryBroker;
}

/**
 * Everything one bus needs, built once from resolved options by `createEventsRuntime()`: the
 * transport (RabbitMQ or memory), metrics, observers, the publisher, the reply waiter, and the one
 * subscriber every handler goes through (`@OnEvent`, cqrs, remote requests, microservices, sagas).
 * `EventsModule`, `EventsTransport` and `EventsClient` all wrap one of these.
 */
export class EventsRuntime {
  private readonly logger: Logger;
  readonly metrics: EventsMetrics;
  readonly observers = new RuntimeObservers();
  readonly waiter: DeliveryWaiter;
  readonly publisher: EventPublisher;
  private readonly subscribed = new Map<string, HandlerRegistration>();
  private readonly cipher: PayloadCipher | undefined;
  private started: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;
  private ownQueues: (() => BuiltHandler[]) | undefined;
  /** Upcasts events carrying an older schema version (set by the event-sourcing module). */
  upcast: ((envelope: EventEnvelope) => EventEnvelope) | undefined;

  constructor(
    readonly options: ResolvedEventsOptions,
    readonly transport: EventsTransport,
    readonly persistence: EventsPersistence | undefined,
  ) {
    this.logger = new Logger(options.name === 'default' ? 'EventsModule' : `EventsModule:${options.name}`);
    this.metrics = new EventsMetrics(options.service);
    // consumer lag: read at each collection of an OpenTelemetry metric reader (nothing runs without one)
    this.metrics.observeQueueDepth(async () => {
      const samples = await Promise.all(
        this.registrations().map((r) =>
          this.transport.queueDepth(r.queue).then(
            (messages) => ({ queue: r.queue, messages }),
            () => undefined,
          ),
        ),
      );
      return samples.filter((s): s is { queue: string; messages: number } => s !== undefined);
    });
    this.waiter = new DeliveryWaiter(transport, options);
    this.cipher = options.encryption ? new PayloadCipher(options.encryption) : undefined;
    this.publisher = new EventPublisher({
      options,
      transport,
      metrics: this.metrics,
      persistence,
      waiter: this.waiter,
      observers: this.observers,
      ready: () => this.start(),
    });
  }

  /** Every registration subscribed on this bus so far (dead letters, health, CLI). */
  registrations(): HandlerRegistration[] {
    return [...this.subscribed.values()];
  }

  /**
   * The service's own handler queues, declared at start (before any publish of this bus can be
   * confirmed), so an event published during startup reaches the service's own handlers.
   */
  declareOwnQueuesWith(source: () => BuiltHandler[]): void {
    this.ownQueues = source;
  }

  /** Connects, declares the shared topology and the service's own queues, starts the outbox relay. Idempotent. */
  start(): Promise<void> {
    this.started ??= this.doStart();
    return this.started;
  }

  private async doStart(): Promise<void> {
    try {
      await this.transport.start();
      const own = this.options.consume && this.ownQueues ? this.ownQueues() : [];
      if (own.length > 0)
        await this.transport.declare(mergeTopologies(...own.map((h) => this.topologyOf(h))));
      await this.persistence?.start((event) => this.publisher.send(event));
    } catch (e) {
      // Nest runs no shutdown hook after a failed bootstrap: release connections and timers here
      await this.release();
      throw e;
    }
  }

  /**
   * Subscribes handlers (validated and named by `buildRegistration`): per handler, its queue, DLQ
   * and bindings, and the delivery processor. A failure (e.g. TopologyMismatchError) stops the bus and
   * is thrown, so it fails the application's startup.
   */
  async subscribe(handlers: BuiltHandler[]): Promise<void> {
    if (handlers.length === 0) return;
    const taken = new Map([...this.subscribed].map(([q, r]) => [q, r.name]));
    for (const { reg } of handlers) {
      const other = taken.get(reg.queue);
      if (other)
        throw new HandlerRegistrationError(
          reg.name,
          `queue "${reg.queue}" is already used by ${other}; give one of them a distinct \`queue\` option`,
        );
      taken.set(reg.queue, reg.name);
    }
    await this.start();
    for (const { reg } of handlers)
      this.logger.log(`${reg.name} ← ${reg.patterns.join(', ') || '(request)'} [${reg.queue}]`);
    const specs: ConsumerSpec[] = handlers.map((h) => {
      const reg = this.withPersistence(h.reg);
      this.subscribed.set(reg.queue, reg);
      const processor = new DeliveryProcessorImpl(reg, {
        options: this.options,
        transport: this.transport,
        followUp: (type, data, options) => this.publisher.publish(type, data, options),
        metrics: this.metrics,
        observers: this.observers,
        upcast: this.upcast,
        cipher: this.cipher,
        processed: this.persistence?.processed?.bind(this.persistence),
      });
      return {
        queue: reg.queue,
        prefetch: reg.prefetch,
        ordered: reg.options.ordered ?? false,
        topology: this.topologyOf(h),
        processor: h.wrap ? h.wrap(processor) : processor,
      };
    });
    try {
      await this.transport.consume(specs);
    } catch (e) {
      await this.release();
      throw e;
    }
    await this.transport.recordService?.(this.options.service, [...this.subscribed.keys()]);
  }

  /**
   * Stops one subscription (in-flight deliveries finish); `deleteQueue` also removes its queue, its DLQ
   * and its filter exchange.
   */
  async unsubscribe(queue: string, options: { deleteQueue?: boolean } = {}): Promise<void> {
    const reg = this.subscribed.get(queue);
    if (!reg) return;
    this.subscribed.delete(queue);
    await this.transport.cancel(queue, this.options.shutdownTimeoutMs);
    if (options.deleteQueue) {
      await this.transport.remove({
        exchanges: reg.options.filter ? [{ name: filterExchangeName(queue), type: 'headers' }] : [],
        queues: [
          { name: queue, arguments: {} },
          { name: names.deadLetterQueue(queue), arguments: {} },
        ],
        bindings: [],
      });
    }
  }

  /** Graceful: stop deliveries, finish in-flight handlers (bounded), stop the relay, flush confirms, close. */
  stop(timeoutMs = this.options.shutdownTimeoutMs): Promise<void> {
    this.stopped ??= (async () => {
      this.waiter.close();
      await this.persistence?.stop().catch((e: Error) => this.logger.warn(`persistence stop: ${e.message}`));
      await this.transport.stop(timeoutMs);
    })();
    return this.stopped;
  }

  private async release(): Promise<void> {
    this.waiter.close();
    await this.persistence?.stop().catch(() => undefined);
    await this.transport.stop(0).catch(() => undefined);
  }

  private topologyOf(h: BuiltHandler): Topology {
    let t = handlerTopology(this.options.exchange, {
      queue: h.reg.queue,
      patterns: h.reg.patterns,
      queueType: this.options.queueType,
      ordered: h.reg.options.ordered ?? false,
      deliveryLimit: QUORUM_DELIVERY_LIMIT,
      maxPriority: h.reg.options.maxPriority ?? this.options.maxPriority,
    });
    if (h.reg.options.filter)
      t = withHeaderFilter(t, this.options.exchange, h.reg.queue, h.reg.options.filter);
    return h.extraTopology ? mergeTopologies(h.extraTopology, t) : t;
  }

  private withPersistence(reg: HandlerRegistration): HandlerRegistration {
    if (!this.persistence || !(reg.options.idempotent || reg.options.transactional)) return reg;
    return { ...reg, invoke: this.persistence.wrapHandler(reg, reg.invoke) };
  }
}

/** Builds one bus from resolved options: the transport the options name, and everything on top of it. */
export async function createEventsRuntime(
  options: ResolvedEventsOptions,
  deps: EventsRuntimeDeps = {},
): Promise<EventsRuntime> {
  let transport: EventsTransport;
  if (options.transport === 'memory') {
    const { MemoryEventsTransport } = await import('../transport/memory/memory-events.transport.js');
    const { MemoryBroker } = await import('../transport/memory/memory-broker.js');
    transport = new MemoryEventsTransport(options, deps.memoryBroker ?? MemoryBroker.shared());
  } else {
    const { AmqpEventsTransport } = await import('../amqp/amqp-events.transport.js');
    transport = new AmqpEventsTransport(options);
  }
  return new EventsRuntime(options, transport, deps.persistence);
}
