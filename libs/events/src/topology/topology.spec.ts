import { DELAY_LEVELS, HEADERS, MAX_PRIORITY } from '../constants.js';
import { delayBitHeader } from './delay-route.js';
import {
  type HandlerQueueInput,
  type Topology,
  consumerTopology,
  handlerQueueArguments,
  handlerTopology,
  mergeTopologies,
  sharedTopology,
} from './topology.js';

const X = 'events';

const exchange = (t: Topology, name: string) => t.exchanges.find((e) => e.name === name);
const queue = (t: Topology, name: string) => t.queues.find((q) => q.name === name);
const bindingsFrom = (t: Topology, source: string) => t.bindings.filter((b) => b.source === source);

const handler = (h: Partial<HandlerQueueInput> = {}): HandlerQueueInput => ({
  queue: 'billing.OrderHandlers.onCreated',
  patterns: ['Order.created'],
  queueType: 'classic',
  ordered: false,
  deliveryLimit: 5,
  ...h,
});

describe('sharedTopology', () => {
  const t = sharedTopology(X);

  it('declares the topic exchange with the unrouted fanout as its alternate exchange', () => {
    expect(exchange(t, X)).toEqual({
      name: X,
      type: 'topic',
      arguments: { 'alternate-exchange': `${X}.unrouted` },
    });
    expect(exchange(t, `${X}.unrouted`)).toMatchObject({ type: 'fanout' });
  });

  it('declares the alternate exchange before the topic exchange that names it', () => {
    const names = t.exchanges.map((e) => e.name);
    expect(names.indexOf(`${X}.unrouted`)).toBeLessThan(names.indexOf(X));
  });

  it('keeps unrouted events in a queue bound to the unrouted fanout', () => {
    expect(queue(t, `${X}.unrouted`)).toBeDefined();
    expect(bindingsFrom(t, `${X}.unrouted`)).toEqual([
      { destination: `${X}.unrouted`, destinationType: 'queue', source: `${X}.unrouted`, pattern: '' },
    ]);
  });

  it('declares the dead-letter exchange and the retry exchange as direct', () => {
    expect(exchange(t, `${X}.dlx`)).toMatchObject({ type: 'direct' });
    expect(exchange(t, `${X}.retry`)).toMatchObject({ type: 'direct' });
  });

  it('declares 32 delay levels, each a headers exchange and a queue of the same name holding 2^k ms', () => {
    expect(DELAY_LEVELS).toBe(32);
    for (let k = 0; k < DELAY_LEVELS; k++) {
      const name = `${X}.delay.${String(k).padStart(2, '0')}`;
      expect(exchange(t, name)).toEqual({ name, type: 'headers' });
      expect(queue(t, name)?.arguments['x-message-ttl']).toBe(2 ** k);
    }
    expect(t.queues.filter((q) => q.name.startsWith(`${X}.delay.`))).toHaveLength(32);
  });

  it('chains each level by dead-lettering down to the next lower level, and level 0 to delay.out', () => {
    expect(queue(t, `${X}.delay.00`)?.arguments['x-dead-letter-exchange']).toBe(`${X}.delay.out`);
    for (let k = 1; k < DELAY_LEVELS; k++) {
      const q = queue(t, `${X}.delay.${String(k).padStart(2, '0')}`);
      expect(q?.arguments['x-dead-letter-exchange']).toBe(`${X}.delay.${String(k - 1).padStart(2, '0')}`);
      // no dead-letter routing key: the original routing key (and headers) survive every hop
      expect(q?.arguments['x-dead-letter-routing-key']).toBeUndefined();
    }
  });

  it('binds each level: bit 1 into its own hold queue, bit 0 straight to the next level', () => {
    for (let k = 0; k < DELAY_LEVELS; k++) {
      const level = `${X}.delay.${String(k).padStart(2, '0')}`;
      const next = k === 0 ? `${X}.delay.out` : `${X}.delay.${String(k - 1).padStart(2, '0')}`;
      const bs = bindingsFrom(t, level);
      expect(bs).toHaveLength(2);
      expect(bs).toContainEqual({
        destination: level,
        destinationType: 'queue',
        source: level,
        pattern: '',
        arguments: { 'x-match': 'all', [delayBitHeader(k)]: '1' },
      });
      expect(bs).toContainEqual({
        destination: next,
        destinationType: 'exchange',
        source: level,
        pattern: '',
        arguments: { 'x-match': 'all', [delayBitHeader(k)]: '0' },
      });
    }
  });

  it('routes delay.out to the topic exchange (publish) or the retry exchange (retry) by the target header', () => {
    expect(exchange(t, `${X}.delay.out`)).toMatchObject({ type: 'headers' });
    const out = bindingsFrom(t, `${X}.delay.out`);
    expect(out).toHaveLength(2);
    expect(out).toContainEqual(
      expect.objectContaining({
        destination: X,
        destinationType: 'exchange',
        arguments: { 'x-match': 'all', [HEADERS.delayTarget]: 'publish' },
      }),
    );
    expect(out).toContainEqual(
      expect.objectContaining({
        destination: `${X}.retry`,
        destinationType: 'exchange',
        arguments: { 'x-match': 'all', [HEADERS.delayTarget]: 'retry' },
      }),
    );
  });

  it('never binds a headers exchange on an x- prefixed key other than x-match', () => {
    const headerExchanges = new Set(t.exchanges.filter((e) => e.type === 'headers').map((e) => e.name));
    const headerBindings = t.bindings.filter((b) => headerExchanges.has(b.source));
    expect(headerBindings.length).toBe(2 * DELAY_LEVELS + 2);
    for (const b of headerBindings) {
      expect(b.arguments?.['x-match']).toBe('all');
      const keys = Object.keys(b.arguments ?? {}).filter((k) => k !== 'x-match');
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) expect(k.startsWith('x-')).toBe(false);
    }
  });

  it('declares every binding source and destination it references', () => {
    const exchanges = new Set(t.exchanges.map((e) => e.name));
    const queues = new Set(t.queues.map((q) => q.name));
    for (const b of t.bindings) {
      expect(exchanges.has(b.source)).toBe(true);
      expect((b.destinationType === 'queue' ? queues : exchanges).has(b.destination)).toBe(true);
    }
  });

  it('has no duplicate exchange or queue names', () => {
    expect(new Set(t.exchanges.map((e) => e.name)).size).toBe(t.exchanges.length);
    expect(new Set(t.queues.map((q) => q.name)).size).toBe(t.queues.length);
  });

  it('derives every name from the exchange', () => {
    const other = sharedTopology('shop');
    for (const e of other.exchanges) expect(e.name === 'shop' || e.name.startsWith('shop.')).toBe(true);
    for (const q of other.queues) expect(q.name.startsWith('shop.')).toBe(true);
  });

  it('is pure: two calls give equal, independent data', () => {
    const a = sharedTopology(X);
    const b = sharedTopology(X);
    expect(a).toEqual(b);
    a.queues[0].arguments.mutated = true;
    expect(b.queues[0].arguments.mutated).toBeUndefined();
  });
});

describe('handlerQueueArguments / handlerTopology', () => {
  it('classic: no priority by default, dead-letters to the DLX with the queue name as routing key', () => {
    const args = handlerQueueArguments(X, handler());
    expect(args).toEqual({
      'x-dead-letter-exchange': `${X}.dlx`,
      'x-dead-letter-routing-key': 'billing.OrderHandlers.onCreated',
    });
  });

  it('classic with maxPriority: x-max-priority set to it', () => {
    expect(handlerQueueArguments(X, handler({ maxPriority: MAX_PRIORITY }))['x-max-priority']).toBe(10);
    expect(handlerQueueArguments(X, handler({ maxPriority: 3 }))['x-max-priority']).toBe(3);
  });

  it('quorum: x-queue-type quorum and x-delivery-limit, never a priority (even when asked)', () => {
    const args = handlerQueueArguments(
      X,
      handler({ queueType: 'quorum', deliveryLimit: 7, maxPriority: 10 }),
    );
    expect(args['x-queue-type']).toBe('quorum');
    expect(args['x-delivery-limit']).toBe(7);
    expect(args).not.toHaveProperty('x-max-priority');
    expect(args['x-dead-letter-exchange']).toBe(`${X}.dlx`);
    expect(args['x-dead-letter-routing-key']).toBe('billing.OrderHandlers.onCreated');
  });

  it('quorum: dead-letters at-least-once (with the reject-publish overflow the broker requires for it)', () => {
    const args = handlerQueueArguments(X, handler({ queueType: 'quorum' }));
    expect(args['x-dead-letter-strategy']).toBe('at-least-once');
    expect(args['x-overflow']).toBe('reject-publish');
  });

  it('classic queues carry no quorum arguments', () => {
    const args = handlerQueueArguments(X, handler());
    expect(args).not.toHaveProperty('x-queue-type');
    expect(args).not.toHaveProperty('x-delivery-limit');
    expect(args).not.toHaveProperty('x-dead-letter-strategy');
    expect(args).not.toHaveProperty('x-overflow');
  });

  it('ordered: single active consumer, for classic and quorum', () => {
    expect(handlerQueueArguments(X, handler({ ordered: true }))['x-single-active-consumer']).toBe(true);
    expect(
      handlerQueueArguments(X, handler({ ordered: true, queueType: 'quorum' }))['x-single-active-consumer'],
    ).toBe(true);
    expect(handlerQueueArguments(X, handler({ ordered: false }))).not.toHaveProperty(
      'x-single-active-consumer',
    );
  });

  it('declares the handler queue and its DLQ, and no exchanges', () => {
    const t = handlerTopology(X, handler());
    expect(t.exchanges).toEqual([]);
    expect(t.queues.map((q) => q.name)).toEqual([
      'billing.OrderHandlers.onCreated',
      'billing.OrderHandlers.onCreated.dlq',
    ]);
    expect(queue(t, 'billing.OrderHandlers.onCreated')?.arguments).toEqual(
      handlerQueueArguments(X, handler()),
    );
  });

  it('a classic DLQ is a plain queue; a quorum DLQ is quorum too', () => {
    expect(queue(handlerTopology(X, handler()), 'billing.OrderHandlers.onCreated.dlq')?.arguments).toEqual(
      {},
    );
    expect(
      queue(handlerTopology(X, handler({ queueType: 'quorum' })), 'billing.OrderHandlers.onCreated.dlq')
        ?.arguments,
    ).toEqual({
      'x-queue-type': 'quorum',
    });
  });

  it('binds the queue to the topic exchange once per pattern', () => {
    const t = handlerTopology(X, handler({ patterns: ['Order.created', 'Order.*', 'Invoice.#'] }));
    expect(bindingsFrom(t, X)).toEqual(
      ['Order.created', 'Order.*', 'Invoice.#'].map((pattern) => ({
        destination: 'billing.OrderHandlers.onCreated',
        destinationType: 'queue',
        source: X,
        pattern,
      })),
    );
  });

  it('binds the queue to the retry exchange with its own name, so a retry reaches this queue only', () => {
    const t = handlerTopology(X, handler());
    expect(bindingsFrom(t, `${X}.retry`)).toEqual([
      {
        destination: 'billing.OrderHandlers.onCreated',
        destinationType: 'queue',
        source: `${X}.retry`,
        pattern: 'billing.OrderHandlers.onCreated',
      },
    ]);
  });

  it('binds the DLQ to the dead-letter exchange with the queue name', () => {
    const t = handlerTopology(X, handler());
    expect(bindingsFrom(t, `${X}.dlx`)).toEqual([
      {
        destination: 'billing.OrderHandlers.onCreated.dlq',
        destinationType: 'queue',
        source: `${X}.dlx`,
        pattern: 'billing.OrderHandlers.onCreated',
      },
    ]);
  });

  it('uses a custom queue name everywhere', () => {
    const t = handlerTopology('shop', handler({ queue: 'audit' }));
    expect(t.queues.map((q) => q.name)).toEqual(['audit', 'audit.dlq']);
    expect(t.bindings.map((b) => `${b.source}->${b.destination}:${b.pattern}`)).toEqual([
      'shop->audit:Order.created',
      'shop.retry->audit:audit',
      'shop.dlx->audit.dlq:audit',
    ]);
  });
});

describe('mergeTopologies', () => {
  it('concatenates exchanges, queues and bindings in order', () => {
    const shared = sharedTopology(X);
    const a = handlerTopology(X, handler({ queue: 'a' }));
    const b = handlerTopology(X, handler({ queue: 'b' }));
    const m = mergeTopologies(shared, a, b);
    expect(m.exchanges).toEqual(shared.exchanges);
    expect(m.queues).toEqual([...shared.queues, ...a.queues, ...b.queues]);
    expect(m.bindings).toEqual([...shared.bindings, ...a.bindings, ...b.bindings]);
  });

  it('of nothing is empty', () => {
    expect(mergeTopologies()).toEqual({ exchanges: [], queues: [], bindings: [] });
  });
});

describe("sharedTopology(exchange, 'quorum')", () => {
  const q = sharedTopology(X, 'quorum');
  const level = (k: number) => `${X}.delay.q${String(k).padStart(2, '0')}`;

  it('keeps unrouted events in a quorum queue bound to the same unrouted fanout', () => {
    expect(q.queues.find((x) => x.name === `${X}.unrouted`)).toBeUndefined();
    expect(queue(q, `${X}.unrouted.quorum`)?.arguments).toEqual({ 'x-queue-type': 'quorum' });
    expect(bindingsFrom(q, `${X}.unrouted`)).toEqual([
      { destination: `${X}.unrouted.quorum`, destinationType: 'queue', source: `${X}.unrouted`, pattern: '' },
    ]);
  });

  it('declares its own family of 32 quorum delay levels, TTL 2^k ms, dead-lettering at-least-once', () => {
    for (let k = 0; k < DELAY_LEVELS; k++) {
      expect(exchange(q, level(k))).toEqual({ name: level(k), type: 'headers' });
      expect(queue(q, level(k))?.arguments).toEqual({
        'x-queue-type': 'quorum',
        'x-message-ttl': 2 ** k,
        'x-dead-letter-exchange': k === 0 ? `${X}.delay.out` : level(k - 1),
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      });
    }
  });

  it('every queue it declares is a quorum queue, and none has a classic delay level name', () => {
    for (const x of q.queues) expect(x.arguments['x-queue-type']).toBe('quorum');
    const classic = new Set(sharedTopology(X).queues.map((x) => x.name));
    for (const x of q.queues) expect(classic.has(x.name)).toBe(false);
  });

  it('shares the exchanges that are not delay levels with the classic family, with the same arguments', () => {
    const classic = sharedTopology(X).exchanges.filter((e) => !/\.delay\.\d{2}$/.test(e.name));
    const quorum = q.exchanges.filter((e) => !/\.delay\.q\d{2}$/.test(e.name));
    expect(quorum).toEqual(classic);
  });

  it('chains its levels down to delay.out with the same bit bindings, and declares what it binds', () => {
    for (let k = 0; k < DELAY_LEVELS; k++) {
      const next = k === 0 ? `${X}.delay.out` : level(k - 1);
      expect(bindingsFrom(q, level(k))).toEqual([
        expect.objectContaining({
          destination: level(k),
          destinationType: 'queue',
          arguments: { 'x-match': 'all', [delayBitHeader(k)]: '1' },
        }),
        expect.objectContaining({
          destination: next,
          destinationType: 'exchange',
          arguments: { 'x-match': 'all', [delayBitHeader(k)]: '0' },
        }),
      ]);
    }
    const exchanges = new Set(q.exchanges.map((e) => e.name));
    const queues = new Set(q.queues.map((x) => x.name));
    for (const b of q.bindings) {
      expect(exchanges.has(b.source)).toBe(true);
      expect((b.destinationType === 'queue' ? queues : exchanges).has(b.destination)).toBe(true);
    }
  });
});

describe('consumerTopology', () => {
  const shared = sharedTopology(X, 'quorum');

  it('declares the handler queues and bindings plus the exchanges they bind to, and no shared queue', () => {
    const own = handlerTopology(X, handler({ queueType: 'quorum' }));
    const t = consumerTopology(own, shared);
    expect(t.queues).toEqual(own.queues);
    expect(t.bindings).toEqual(own.bindings);
    expect(t.exchanges.map((e) => e.name)).toEqual([X, `${X}.dlx`, `${X}.retry`]);
    // declared as the shared topology declares them (an inequivalent declaration would be refused)
    expect(exchange(t, X)).toEqual(exchange(shared, X));
  });

  it('keeps exchanges the consumer declares itself, and adds those its exchange bindings point to', () => {
    const own: Topology = {
      exchanges: [{ name: 'filter', type: 'headers' }],
      queues: [{ name: 'q', arguments: {} }],
      bindings: [
        { destination: 'filter', destinationType: 'exchange', source: X, pattern: '#' },
        { destination: 'q', destinationType: 'queue', source: 'filter', pattern: '' },
      ],
    };
    const t = consumerTopology(own, shared);
    expect(t.exchanges.map((e) => e.name)).toEqual([X, 'filter']);
  });

  it('of a topology without bindings declares nothing else', () => {
    expect(consumerTopology({ exchanges: [], queues: [], bindings: [] }, shared)).toEqual({
      exchanges: [],
      queues: [],
      bindings: [],
    });
  });
});
