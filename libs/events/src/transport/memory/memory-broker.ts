import { matchesPattern } from '../../routing/routing-pattern.js';
import type { BindingSpec, ExchangeKind, Topology } from '../../topology/topology.js';
import type { OutboundProperties } from '../events-transport.js';
import { MemoryQueue, type StoredMessage } from './memory-queue.js';

interface Exchange {
  type: ExchangeKind;
  args: Record<string, unknown>;
}

/**
 * An in-process message broker with RabbitMQ's routing semantics, driven by the same topology data
 * the AMQP transport declares: topic/direct/fanout/headers exchanges, exchange-to-exchange bindings,
 * alternate exchanges, the default exchange, queues with priorities, single active consumer and
 * per-message expiration (dead-lettered through the queue's `x-dead-letter-exchange`). Delays are
 * timers of the process (so `jest.useFakeTimers()` drives them), deliveries are microtasks.
 *
 * Several apps in one process share a broker when they share the instance: `MemoryBroker.shared()`
 * is the process-wide one (`transport: 'memory'`); `EventsTestingModule` makes a fresh one per module.
 */
export class MemoryBroker {
  private static sharedBroker: MemoryBroker | undefined;
  private readonly exchanges = new Map<string, Exchange>([['', { type: 'direct', args: {} }]]);
  private readonly queues = new Map<string, MemoryQueue>();
  private readonly bindings = new Map<string, BindingSpec[]>();
  private readonly timers = new Set<unknown>();
  private seq = 0;
  private idleWaiters: Array<() => void> = [];

  /** The process-wide broker used by `transport: 'memory'` unless another one is given. */
  static shared(): MemoryBroker {
    MemoryBroker.sharedBroker ??= new MemoryBroker();
    return MemoryBroker.sharedBroker;
  }

  constructor(private readonly giveBackDelayMs = 1000) {}

  declare(t: Topology): void {
    for (const e of t.exchanges)
      if (!this.exchanges.has(e.name)) this.exchanges.set(e.name, { type: e.type, args: e.arguments ?? {} });
    for (const q of t.queues) this.queue(q.name, q.arguments);
    for (const b of t.bindings) {
      const list = this.bindings.get(b.source) ?? [];
      if (
        !list.some(
          (x) =>
            x.destination === b.destination &&
            x.destinationType === b.destinationType &&
            x.pattern === b.pattern &&
            sameArgs(x.arguments, b.arguments),
        )
      ) {
        list.push(b);
      }
      this.bindings.set(b.source, list);
    }
  }

  /** Declares (once) and returns a queue. */
  queue(name: string, args: Record<string, unknown> = {}): MemoryQueue {
    let q = this.queues.get(name);
    if (!q) {
      q = new MemoryQueue(name, args, {
        expired: (queue, msg) => this.deadLetterExpired(queue, msg),
        settled: () => this.checkIdle(),
        schedule: (ms, fn) => this.schedule(ms, fn),
        giveBackDelayMs: this.giveBackDelayMs,
      });
      this.queues.set(name, q);
    }
    return q;
  }

  findQueue(name: string): MemoryQueue | undefined {
    return this.queues.get(name);
  }

  hasExchange(name: string): boolean {
    return this.exchanges.has(name);
  }

  deleteQueue(name: string): void {
    this.queues.delete(name);
    for (const list of this.bindings.values()) {
      for (let i = list.length - 1; i >= 0; i--)
        if (list[i].destinationType === 'queue' && list[i].destination === name) list.splice(i, 1);
    }
  }

  deleteExchange(name: string): void {
    this.exchanges.delete(name);
    this.bindings.delete(name);
    for (const list of this.bindings.values()) {
      for (let i = list.length - 1; i >= 0; i--)
        if (list[i].destinationType === 'exchange' && list[i].destination === name) list.splice(i, 1);
    }
  }

  /** Routes a message; returns how many queues took it (0 = unroutable). Throws when the exchange does not exist. */
  publish(exchange: string, routingKey: string, content: Buffer, properties: OutboundProperties): number {
    if (!this.exchanges.has(exchange)) throw new Error(`NOT_FOUND - no exchange '${exchange}'`);
    const targets = new Set<MemoryQueue>();
    this.route(exchange, routingKey, properties.headers ?? {}, targets, new Set());
    const expiration = Number(properties.expiration);
    const now = Date.now();
    for (const q of targets) {
      q.enqueue({
        content,
        properties,
        exchange,
        routingKey,
        redelivered: false,
        priority: typeof properties.priority === 'number' ? properties.priority : 0,
        expiresAt:
          Number.isFinite(expiration) && properties.expiration !== undefined ? now + expiration : undefined,
        seq: ++this.seq,
      });
    }
    return targets.size;
  }

  /** Runs `fn` after `delayMs` on the process's (possibly fake) timers; counted as pending work. */
  schedule(delayMs: number, fn: () => void): void {
    const handle = globalThis.setTimeout(() => {
      this.timers.delete(handle);
      try {
        fn();
      } finally {
        this.checkIdle();
      }
    }, delayMs);
    (handle as { unref?: () => void }).unref?.();
    this.timers.add(handle);
  }

  /** True when no delivery runs, no consumed queue holds a message and no delay is pending. */
  get idle(): boolean {
    if (this.timers.size > 0) return false;
    for (const q of this.queues.values()) if (q.inFlight > 0 || q.pending > 0) return false;
    return true;
  }

  /** Pending work, for messages that explain what a wait is waiting for. */
  describePending(): string {
    const parts: string[] = [];
    if (this.timers.size > 0) parts.push(`${this.timers.size} delayed message(s)`);
    for (const q of this.queues.values()) {
      if (q.inFlight > 0) parts.push(`${q.inFlight} delivery(ies) running in ${q.name}`);
      if (q.pending > 0) parts.push(`${q.pending} message(s) ready in ${q.name}`);
    }
    return parts.join(', ') || 'nothing';
  }

  /** Resolves when the broker is idle (checked after every delivery and timer). */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0) return;
    // after the current microtasks: a settled delivery may still be publishing its follow-ups
    void Promise.resolve()
      .then(() => undefined)
      .then(() => {
        if (!this.idle) return;
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      });
  }

  private route(
    exchange: string,
    key: string,
    headers: Record<string, unknown>,
    out: Set<MemoryQueue>,
    seen: Set<string>,
  ): void {
    if (seen.has(exchange)) return;
    seen.add(exchange);
    const ex = this.exchanges.get(exchange);
    if (!ex) return;
    if (exchange === '') {
      const q = this.queues.get(key);
      if (q) out.add(q);
      return;
    }
    const before = out.size;
    let matched = false;
    for (const b of this.bindings.get(exchange) ?? []) {
      if (!matches(ex.type, b, key, headers)) continue;
      matched = true;
      if (b.destinationType === 'queue') {
        const q = this.queues.get(b.destination);
        if (q) out.add(q);
      } else {
        this.route(b.destination, key, headers, out, seen);
      }
    }
    const alternate = ex.args['alternate-exchange'];
    if ((!matched || out.size === before) && typeof alternate === 'string')
      this.route(alternate, key, headers, out, seen);
  }

  private deadLetterExpired(queue: MemoryQueue, msg: StoredMessage): void {
    const dlx = queue.args['x-dead-letter-exchange'];
    if (typeof dlx !== 'string' || !this.exchanges.has(dlx)) return; // dropped, as RabbitMQ does without a DLX
    const key =
      typeof queue.args['x-dead-letter-routing-key'] === 'string'
        ? (queue.args['x-dead-letter-routing-key'] as string)
        : msg.routingKey;
    const headers = {
      ...msg.properties.headers,
      'x-first-death-reason': 'expired',
      'x-first-death-queue': queue.name,
    };
    const { expiration: _expired, ...properties } = msg.properties;
    void _expired;
    this.publish(dlx, key, msg.content, { ...properties, headers });
  }
}

function sameArgs(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
}

function matches(type: ExchangeKind, b: BindingSpec, key: string, headers: Record<string, unknown>): boolean {
  switch (type) {
    case 'topic':
      return matchesPattern(b.pattern, key);
    case 'direct':
      return b.pattern === key;
    case 'fanout':
      return true;
    case 'headers': {
      const args = b.arguments ?? {};
      const wanted = Object.entries(args).filter(([k]) => !k.startsWith('x-'));
      const all = args['x-match'] !== 'any';
      const hit = (k: string, v: unknown) => String(headers[k]) === String(v);
      return all ? wanted.every(([k, v]) => hit(k, v)) : wanted.some(([k, v]) => hit(k, v));
    }
  }
}
