import type { AmqpEventsTransport, ConsumerSpec } from '../amqp/amqp-events.transport.js';
import type { DeliveryProcessor } from '../amqp/queue-consumer.js';
import type { FollowUpPublisher } from './delivery-context.js';
import { HandlerDeliveryProcessor } from './handler-delivery.processor.js';
import type { HandlerRegistration } from './handler-registration.js';
import type { EventsMetrics } from '../observability/events-metrics.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { QUORUM_DELIVERY_LIMIT, type Topology } from '../topology/topology.js';

/** A handler to subscribe (`@OnEvent`, cqrs bridge, microservices transport), with what its queue needs besides. */
export interface IntegrationHandler {
  reg: HandlerRegistration;
  extraTopology?: Topology;
  /** Wraps the processor (e.g. to accept another message format before decoding). */
  wrap?: (processor: DeliveryProcessor) => DeliveryProcessor;
}

/**
 * Subscribes handlers (`@OnEvent` ones and those the integrations find) through one pipeline: per-handler queue and DLQ,
 * the HandlerDeliveryProcessor (retry/dead-letter decision, outcome replies), reconnects. A failure
 * (e.g. TopologyMismatchError) stops the transport and is thrown: it fails the application's startup.
 */
export async function subscribeHandlers(
  transport: AmqpEventsTransport,
  options: ResolvedEventsOptions,
  metrics: EventsMetrics,
  followUp: FollowUpPublisher,
  handlers: IntegrationHandler[],
): Promise<void> {
  if (handlers.length === 0) return;
  const specs: ConsumerSpec[] = handlers.map(({ reg, extraTopology, wrap }) => {
    const processor = new HandlerDeliveryProcessor(reg, options, transport.publisher, followUp, metrics);
    return {
      queue: reg.queue,
      patterns: reg.patterns,
      prefetch: reg.prefetch,
      ordered: reg.options.ordered ?? false,
      deliveryLimit: QUORUM_DELIVERY_LIMIT,
      maxPriority: reg.options.maxPriority,
      processor: wrap ? wrap(processor) : processor,
      extraTopology,
    };
  });
  try {
    await transport.startConsumers(specs);
  } catch (e) {
    // startup fails: Nest runs no shutdown hook after a failed bootstrap, so release the connections
    // (and their reconnect timers) here, or the failed process could not exit
    await transport.stop(0).catch(() => undefined);
    throw e;
  }
}
