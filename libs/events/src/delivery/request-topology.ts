import type { Topology } from '../topology/topology.js';

/**
 * Request/reply routing (remote commands and queries, `@MessagePattern`): a direct exchange with NO
 * alternate exchange, so a request nobody consumes is returned to the mandatory publisher at once
 * (fail fast) instead of being kept in `{exchange}.unrouted` like an event.
 */
export function requestExchange(exchange: string): string {
  return `${exchange}.commands`;
}

/** Queue of the requests of one type served by `service`: instances of the service compete on it. */
export function requestQueue(service: string, type: string): string {
  return `${service}.rpc.${type}`;
}

export function requestExchangeTopology(exchange: string): Topology {
  return { exchanges: [{ name: requestExchange(exchange), type: 'direct' }], queues: [], bindings: [] };
}

/** What a request queue needs besides its handler topology (queue, DLQ, retry binding). */
export function requestQueueTopology(exchange: string, queue: string, types: string[]): Topology {
  const source = requestExchange(exchange);
  return {
    exchanges: [{ name: source, type: 'direct' }],
    queues: [],
    bindings: types.map((t) => ({ destination: queue, destinationType: 'queue', source, pattern: t })),
  };
}
