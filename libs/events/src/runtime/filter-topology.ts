import type { HeaderFilter } from '../interfaces/on-event-options.interface.js';
import type { Topology } from '../topology/topology.js';

/** Name of the headers exchange in front of a filtered handler queue. */
export const filterExchangeName = (queue: string): string => `${queue}.filter`;

/** What makes a header filter invalid, or undefined. */
export function headerFilterProblem(filter: unknown): string | undefined {
  if (filter === null || typeof filter !== 'object')
    return 'filter must be { headers: { name: value }, match?: "all" | "any" }';
  const f = filter as Partial<HeaderFilter>;
  if (!f.headers || typeof f.headers !== 'object' || Object.keys(f.headers).length === 0)
    return 'filter.headers must name at least one header';
  for (const [k, v] of Object.entries(f.headers)) {
    if (k.startsWith('x-'))
      return `filter header "${k}" starts with x-, which RabbitMQ ignores in bindings; use another name`;
    if (!['string', 'number', 'boolean'].includes(typeof v))
      return `filter header "${k}" must be a string, number or boolean`;
  }
  if (f.match !== undefined && f.match !== 'all' && f.match !== 'any')
    return 'filter.match must be "all" or "any"';
  return undefined;
}

/**
 * Puts a headers exchange `{queue}.filter` between the topic exchange and a handler queue: the topic
 * bindings of the queue move to the filter exchange, and the queue is bound to it with the header
 * match. Retries (`{exchange}.retry`) and dead letters keep their direct bindings.
 */
export function withHeaderFilter(
  t: Topology,
  exchange: string,
  queue: string,
  filter: HeaderFilter,
): Topology {
  const front = filterExchangeName(queue);
  const moved = t.bindings.filter(
    (b) => b.source === exchange && b.destination === queue && b.destinationType === 'queue',
  );
  return {
    exchanges: [...t.exchanges, { name: front, type: 'headers' }],
    queues: t.queues,
    bindings: [
      ...t.bindings.filter((b) => !moved.includes(b)),
      ...moved.map((b) => ({ ...b, destination: front, destinationType: 'exchange' as const })),
      {
        destination: queue,
        destinationType: 'queue',
        source: front,
        pattern: '',
        arguments: { 'x-match': filter.match ?? 'all', ...filter.headers },
      },
    ],
  };
}
