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

/** Exchanges and queues shared by every service on `exchange`: topic, unrouted, dlx, retry, delay levels. */
export function sharedTopology(exchange: string): Topology {
  const t: Topology = {
    exchanges: [
      { name: names.unrouted(exchange), type: 'fanout' },
      { name: exchange, type: 'topic', arguments: { 'alternate-exchange': names.unrouted(exchange) } },
      { name: names.deadLetterExchange(exchange), type: 'direct' },
      { name: names.retryExchange(exchange), type: 'direct' },
      { name: names.delayOut(exchange), type: 'headers' },
    ],
    queues: [{ name: names.unrouted(exchange), arguments: {} }],
    bindings: [
      {
        destination: names.unrouted(exchange),
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
    const level = names.delayLevel(exchange, k);
    const next = k === 0 ? names.delayOut(exchange) : names.delayLevel(exchange, k - 1);
    t.exchanges.push({ name: level, type: 'headers' });
    t.queues.push({ name: level, arguments: { 'x-message-ttl': 2 ** k, 'x-dead-letter-exchange': next } });
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
