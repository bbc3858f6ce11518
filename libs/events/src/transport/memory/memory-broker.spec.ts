import { sharedTopology, handlerTopology } from '../../topology/topology.js';
import type { DeliveryProcessor, InboundMessage, Settlement } from '../events-transport.js';
import { MemoryBroker } from './memory-broker.js';

function collector(outcome: Settlement = 'ack') {
  const got: InboundMessage[] = [];
  let release: (() => void) | undefined;
  const processor: DeliveryProcessor & { got: InboundMessage[]; hold: boolean } = {
    got,
    hold: false,
    process(msg) {
      got.push(msg);
      if (!processor.hold) return Promise.resolve(outcome);
      return new Promise((r) => (release = () => r(outcome)));
    },
  };
  return { processor, release: () => release?.() };
}

const body = (s: string) => Buffer.from(JSON.stringify(s));
const props = (extra: Record<string, unknown> = {}) => ({ messageId: 'm', type: 'T', ...extra });
const tick = () => new Promise((r) => setImmediate(r));

describe('MemoryBroker (RabbitMQ routing semantics over topology data)', () => {
  it('routes by topic pattern, keeps unrouted events in the alternate exchange, and reports unroutable publishes', async () => {
    const b = new MemoryBroker();
    b.declare(sharedTopology('ev'));
    b.declare(
      handlerTopology('ev', {
        queue: 'q.star',
        patterns: ['Order.*'],
        queueType: 'classic',
        ordered: false,
        deliveryLimit: 10,
      }),
    );
    expect(b.publish('ev', 'Order.created', body('a'), props())).toBe(1);
    expect(b.publish('ev', 'Invoice.created', body('b'), props())).toBe(1); // the unrouted queue took it
    expect(b.findQueue('ev.unrouted')?.messages).toHaveLength(1);
    expect(b.publish('ev.retry', 'nobody', body('c'), props())).toBe(0);
    expect(() => b.publish('missing', 'x', body('d'), props())).toThrow(/NOT_FOUND/);
  });

  it('hands a retry back to one queue through the direct retry exchange', () => {
    const b = new MemoryBroker();
    b.declare(sharedTopology('ev'));
    for (const q of ['a', 'b'])
      b.declare(
        handlerTopology('ev', {
          queue: q,
          patterns: ['X.y'],
          queueType: 'classic',
          ordered: false,
          deliveryLimit: 10,
        }),
      );
    b.publish('ev.retry', 'b', body('r'), props());
    expect(b.findQueue('a')?.messages).toHaveLength(0);
    expect(b.findQueue('b')?.messages).toHaveLength(1);
  });

  it('shares a queue between competing consumers within their prefetch, and orders a priority queue by priority', async () => {
    const b = new MemoryBroker();
    const q = b.queue('prio', { 'x-max-priority': 10 });
    for (const [i, p] of [1, 9, 5].entries()) b.publish('', 'prio', body(String(i)), props({ priority: p }));
    expect(q.messages.map((m) => m.priority)).toEqual([9, 5, 1]);
    const one = collector();
    const two = collector();
    one.processor.hold = true;
    two.processor.hold = true;
    q.addConsumer(one.processor, 1);
    q.addConsumer(two.processor, 1);
    await tick();
    expect(one.processor.got).toHaveLength(1);
    expect(two.processor.got).toHaveLength(1);
    expect(q.messages).toHaveLength(1); // both at their prefetch
    expect(q.inFlight).toBe(2);
  });

  it('delivers to the first consumer only when single-active-consumer', async () => {
    const b = new MemoryBroker();
    const q = b.queue('ordered', { 'x-single-active-consumer': true });
    const one = collector();
    const two = collector();
    q.addConsumer(one.processor, 1);
    q.addConsumer(two.processor, 1);
    for (let i = 0; i < 3; i++) b.publish('', 'ordered', body(String(i)), props());
    await b.whenIdle();
    expect(one.processor.got.map((m) => JSON.parse(m.content.toString()))).toEqual(['0', '1', '2']);
    expect(two.processor.got).toHaveLength(0);
  });

  it("dead-letters an expired message through the queue's dead-letter exchange", async () => {
    const b = new MemoryBroker();
    b.declare(sharedTopology('ev'));
    b.declare(
      handlerTopology('ev', {
        queue: 'rpc',
        patterns: [],
        queueType: 'classic',
        ordered: false,
        deliveryLimit: 10,
      }),
    );
    b.publish('ev.retry', 'rpc', body('late'), props({ expiration: '0' }));
    await tick();
    const c = collector();
    b.findQueue('rpc')!.addConsumer(c.processor, 1);
    await tick();
    expect(c.processor.got).toHaveLength(0);
    expect(b.findQueue('rpc.dlq')?.messages).toHaveLength(1);
  });

  it('is idle only when no delivery runs, no consumed queue holds a message and no delay is pending', async () => {
    const b = new MemoryBroker();
    const q = b.queue('w');
    const c = collector();
    c.processor.hold = true;
    q.addConsumer(c.processor, 5);
    b.publish('', 'w', body('1'), props());
    b.schedule(30, () => b.publish('', 'w', body('2'), props()));
    expect(b.idle).toBe(false);
    const idle = b.whenIdle();
    await tick();
    expect(b.describePending()).toMatch(/delayed/);
    c.release();
    c.processor.hold = false;
    await idle;
    expect(c.processor.got).toHaveLength(2);
  });
});
