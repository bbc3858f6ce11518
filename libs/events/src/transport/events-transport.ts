import type { DeadLetter } from '../dead-letter/dead-letter.js';
import type { MessageProperties } from '../envelope/incoming-message.js';
import type { Topology } from '../topology/topology.js';

export type { MessageProperties };

/** A message handed by a transport to the delivery path. */
export interface InboundMessage {
  content: Buffer;
  properties: MessageProperties;
  /** Exchange it was last published to, and its routing key. */
  exchange: string;
  routingKey: string;
  /** The broker delivered it before (a consumer died holding it, or it was given back). */
  redelivered: boolean;
}

/** What a publish sends: content plus properties (persistent unless `persistent: false`). */
export interface OutboundProperties extends MessageProperties {
  persistent?: boolean;
}

/** How the delivery path settles a delivery: acknowledged, or given back to the queue (transient failure). */
export type Settlement = 'ack' | 'requeue';

/** What a consumer asks of the code that processes a delivery. */
export interface DeliveryProcessor {
  process(msg: InboundMessage): Promise<Settlement>;
  /** The delivery was settled but its ack could not be sent (channel lost): a redelivery will come. */
  ackLost?(msg: InboundMessage): void;
}

/** One queue to consume: its topology, and who processes its deliveries. */
export interface ConsumerSpec {
  queue: string;
  prefetch: number;
  /** Single active consumer, one message at a time. */
  ordered: boolean;
  /** The queue with everything it needs (bindings, DLQ, retry binding); declared before every subscribe. */
  topology: Topology;
  processor: DeliveryProcessor;
  /** A queue that disappears when unused for this long (reply queues; `x-expires`). Default: kept. */
  transientExpiresMs?: number;
}

export interface TransportStatus {
  publish: boolean;
  consume: boolean | undefined;
  blocked: string | undefined;
  consumers: number;
  activeConsumers: number;
}

/** Dead-letter queue operations on one handler queue (`queue` or `queue.dlq`). */
export interface DeadLetterStore {
  count(queue: string): Promise<number>;
  list(queue: string, limit?: number): Promise<DeadLetter[]>;
  find(queue: string, ids: string[]): Promise<DeadLetter[]>;
  replay(queue: string, ids?: string[]): Promise<string[]>;
  purge(queue: string): Promise<number>;
  discard(queue: string, ids: string[]): Promise<string[]>;
}

/**
 * The seam between the library's decisions and a broker. The delivery path, the publisher and the
 * integrations only ever talk to this interface; `AmqpEventsTransport` (amqplib, RabbitMQ) and
 * `MemoryEventsTransport` (in-process) implement it over the same topology data.
 */
export interface EventsTransport {
  readonly kind: 'amqp' | 'memory';
  /** Connects (bounded by the startup timeout) and declares the shared topology. */
  start(): Promise<void>;
  /** Declares more topology now and after every reconnect (e.g. the request exchange). */
  declare(topology: Topology): Promise<void>;
  /**
   * Publishes with confirms: resolves once the broker took it (routed, or kept by an alternate
   * exchange); rejects with UnroutableEventError when nothing took it, PublishError otherwise.
   * With `delayMs >= 1`, the message reaches `exchange` only after that delay.
   */
  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    properties: OutboundProperties,
    delayMs?: number,
  ): Promise<void>;
  /** Sends a copy back to one queue only (a retry, a postponement, a replay), after `delayMs`. */
  sendToQueue(queue: string, content: Buffer, properties: OutboundProperties, delayMs: number): Promise<void>;
  /** Parks a message in `{queue}.dlq` (confirmed). */
  deadLetter(queue: string, content: Buffer, properties: OutboundProperties): Promise<void>;
  /** Declares and consumes these queues; resubscribes on its own after connection losses. */
  consume(specs: ConsumerSpec[]): Promise<void>;
  /** Stops consuming one queue (in-flight deliveries finish within `timeoutMs`). */
  cancel(queue: string, timeoutMs: number): Promise<void>;
  /** Deletes the queues and exchanges listed (bindings go with them); a missing one is no error. */
  remove(topology: Topology): Promise<void>;
  /** Stop taking deliveries, let in-flight handlers finish (bounded), flush confirms, close. */
  stop(timeoutMs: number): Promise<void>;
  status(): TransportStatus;
  deadLetters(): DeadLetterStore;
  /**
   * Records which handler queues `service` has on this bus, for operator tools (`dlq list --service`,
   * `topology describe`). Best effort: a failure is logged, never thrown.
   */
  recordService?(service: string, queues: string[]): Promise<void>;
  /** Messages ready in a queue (for metrics and the harness). */
  queueDepth(queue: string): Promise<number>;
}
