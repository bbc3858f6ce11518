import { DELAY_LEVELS, HEADERS } from '../constants.js';
import type { QueueType } from '../interfaces/events-module-options.interface.js';
import { delayBitHeader } from './delay-route.js';
import { names } from './topology-names.js';

export type ExchangeKind = 'topic' | 'direct' | 'fanout' | 'headers';

export interface ExchangeSpec {
  name: string;
  type: ExchangeKind;
  arguments?: Record<string, unknown>;
}
export interface QueueSpec {
  name: string;
  arguments: Record<string, unknown>;
}
export interface BindingSpec {
  /** Queue or exchange that receives. */
  destination: string;
  destinationType: 'queue' | 'exchange';
  source: string;
  pattern: string;
  arguments?: Record<string, unknown>;
}
/** Broker objects as data: built by pure functions, applied by one idempotent setup function. */
export interface Topology {
  exchanges: ExchangeSpec[];
  queues: QueueSpec[];
  bindings: BindingSpec[];
}

/**
 * x-delivery-limit of quorum handler queues: deliveries of one copy of a message. Every attempt is a
 * fresh copy and a redelivery is turned into the next attempt (or the DLQ) without running the handler,
 * so a copy is normally delivered at most twice; the limit only parks a message whose retry or
 * dead-letter copy cannot be published. A constant, so changing maxAttempts never changes the queue.
 */
export const QUORUM_DELIVERY_LIMIT = 10;

export interface HandlerQueueInput {
  queue: string;
  patterns: string[];
  queueType: QueueType;
  ordered: boolean;
  /** For quorum queues: x-delivery-limit (a crash-loop backstop). */
  deliveryLimit: number;
  /**
   * Opt-in priority queue (DESIGN §4): classic queues carry `x-max-priority` only when this is set
   * (1..10). Quorum queues never do: RabbitMQ 3.10 quorum queues have no priorities (RabbitMQ 4's
   * know two levels, 0-4 and 5+, without the argument).
   */
  maxPriority?: number;
}

/**
 * Arguments that make a quorum queue dead-letter at-least-once (RabbitMQ 3.10+): the queue keeps a
 * dead-lettered message until the target queues confirmed it, so a node loss between two queues
 * loses nothing. The broker requires `x-overflow: reject-publish` for this strategy (none of these
 * queues has a length limit, so it never rejects a publish).
 */
export const AT_LEAST_ONCE_DEAD_LETTERING = {
  'x-dead-letter-strategy': 'at-least-once',
  'x-overflow': 'reject-publish',
} as const;

/**
 * Exchanges and queues shared by every service on `exchange`: topic, unrouted, dlx, retry, delay
 * levels. `queueType` picks the queues' family: classic services share `{exchange}.unrouted` and the
 * classic delay levels `.delay.NN`; quorum services `{exchange}.unrouted.quorum` and the quorum delay
 * levels `.delay.qNN` (quorum queues, message TTL, dead-lettering at-least-once), so every queue a
 * quorum service depends on survives the loss of a minority of nodes. The exchanges (cluster-wide
 * metadata, no node of their own) are the same for both; `.delay.out` is shared by both families.
 */
export function sharedTopology(exchange: string, queueType: QueueType = 'classic'): Topology {
  const quorum = queueType === 'quorum';
  const unroutedQueue = names.unroutedQueue(exchange, queueType);
  const t: Topology = {
    exchanges: [
      { name: names.unrouted(exchange), type: 'fanout' },
      { name: exchange, type: 'topic', arguments: { 'alternate-exchange': names.unrouted(exchange) } },
      { name: names.deadLetterExchange(exchange), type: 'direct' },
      { name: names.retryExchange(exchange), type: 'direct' },
      { name: names.delayOut(exchange), type: 'headers' },
    ],
    queues: [{ name: unroutedQueue, arguments: quorum ? { 'x-queue-type': 'quorum' } : {} }],
    bindings: [
      {
        destination: unroutedQueue,
        destinationType: 'queue',
        source: names.unrouted(exchange),
        pattern: '',
      },
      {
        destination: exchange,
        destinationType: 'exchange',
        source: names.delayOut(exchange),
        pattern: '',
        arguments: { 'x-match': 'all', [HEADERS.delayTarget]: 'publish' },
      },
      {
        destination: names.retryExchange(exchange),
        destinationType: 'exchange',
        source: names.delayOut(exchange),
        pattern: '',
        arguments: { 'x-match': 'all', [HEADERS.delayTarget]: 'retry' },
      },
    ],
  };
  for (let k = 0; k < DELAY_LEVELS; k++) {
    const level = names.delayLevel(exchange, k, queueType);
    const next = k === 0 ? names.delayOut(exchange) : names.delayLevel(exchange, k - 1, queueType);
    t.exchanges.push({ name: level, type: 'headers' });
    const hold: Record<string, unknown> = { 'x-message-ttl': 2 ** k, 'x-dead-letter-exchange': next };
    t.queues.push({
      name: level,
      arguments: quorum ? { 'x-queue-type': 'quorum', ...hold, ...AT_LEAST_ONCE_DEAD_LETTERING } : hold,
    });
    t.bindings.push(
      {
        destination: level,
        destinationType: 'queue',
        source: level,
        pattern: '',
        arguments: { 'x-match': 'all', [delayBitHeader(k)]: '1' },
      },
      {
        destination: next,
        destinationType: 'exchange',
        source: level,
        pattern: '',
        arguments: { 'x-match': 'all', [delayBitHeader(k)]: '0' },
      },
    );
  }
  return t;
}

/** Arguments of a handler queue. */
export function handlerQueueArguments(exchange: string, h: HandlerQueueInput): Record<string, unknown> {
  const args: Record<string, unknown> = {
    // backstop: anything rejected without requeue (or over the quorum delivery limit) is parked, not lost
    'x-dead-letter-exchange': names.deadLetterExchange(exchange),
    'x-dead-letter-routing-key': h.queue,
  };
  if (h.queueType === 'quorum') {
    args['x-queue-type'] = 'quorum';
    args['x-delivery-limit'] = h.deliveryLimit;
    // the delivery-limit backstop and rejects reach the DLQ even while a node is down
    Object.assign(args, AT_LEAST_ONCE_DEAD_LETTERING);
  } else if (h.maxPriority !== undefined) {
    args['x-max-priority'] = h.maxPriority;
  }
  if (h.ordered) args['x-single-active-consumer'] = true;
  return args;
}

/** The queue, its DLQ and bindings for one handler. */
export function handlerTopology(exchange: string, h: HandlerQueueInput): Topology {
  const dlq = names.deadLetterQueue(h.queue);
  return {
    exchanges: [],
    queues: [
      { name: h.queue, arguments: handlerQueueArguments(exchange, h) },
      { name: dlq, arguments: h.queueType === 'quorum' ? { 'x-queue-type': 'quorum' } : {} },
    ],
    bindings: [
      ...h.patterns.map<BindingSpec>((p) => ({
        destination: h.queue,
        destinationType: 'queue',
        source: exchange,
        pattern: p,
      })),
      {
        destination: h.queue,
        destinationType: 'queue',
        source: names.retryExchange(exchange),
        pattern: h.queue,
      },
      {
        destination: dlq,
        destinationType: 'queue',
        source: names.deadLetterExchange(exchange),
        pattern: h.queue,
      },
    ],
  };
}

export function mergeTopologies(...parts: Topology[]): Topology {
  return {
    exchanges: parts.flatMap((p) => p.exchanges),
    queues: parts.flatMap((p) => p.queues),
    bindings: parts.flatMap((p) => p.bindings),
  };
}

/**
 * What a consumer declares before it (re)subscribes: its own queues and bindings, plus the exchanges
 * those bindings use, as `shared` declares them (same type and arguments, so the declaration is
 * equivalent). Never a shared queue: a re-subscribe must not depend on a queue living on another
 * node (the publish side keeps the shared queues declared). Exchanges come first. Pure.
 */
export function consumerTopology(own: Topology, shared: Topology): Topology {
  const declared = new Set(own.exchanges.map((e) => e.name));
  const used = new Set<string>();
  for (const b of own.bindings) {
    used.add(b.source);
    if (b.destinationType === 'exchange') used.add(b.destination);
  }
  const needed = shared.exchanges.filter((e) => used.has(e.name) && !declared.has(e.name));
  return { exchanges: [...needed, ...own.exchanges], queues: own.queues, bindings: own.bindings };
}
