import type { DeliveryProcessor, InboundMessage, Settlement } from '../events-transport.js';

/** A message resting in a memory queue. */
export interface StoredMessage extends InboundMessage {
  priority: number;
  /** Epoch ms after which it is dead-lettered instead of delivered (the `expiration` property). */
  expiresAt: number | undefined;
  seq: number;
}

interface Consumer {
  processor: DeliveryProcessor;
  prefetch: number;
  inFlight: number;
}

/**
 * A queue of the memory broker: FIFO (by priority first when it is a priority queue), competing
 * consumers with prefetch, single active consumer when `ordered`, redelivery flag on a give-back.
 */
export class MemoryQueue {
  readonly messages: StoredMessage[] = [];
  private readonly consumers: Consumer[] = [];
  private next = 0;
  inFlight = 0;

  constructor(
    readonly name: string,
    readonly args: Record<string, unknown>,
    private readonly hooks: {
      expired(queue: MemoryQueue, msg: StoredMessage): void;
      settled(): void;
      schedule(delayMs: number, fn: () => void): void;
      giveBackDelayMs: number;
    },
  ) {}

  get priorityQueue(): boolean {
    return typeof this.args['x-max-priority'] === 'number';
  }

  get consumerCount(): number {
    return this.consumers.length;
  }

  enqueue(msg: StoredMessage): void {
    if (this.priorityQueue) {
      const max = this.args['x-max-priority'] as number;
      const p = Math.min(msg.priority, max);
      let i = this.messages.length;
      while (i > 0 && Math.min(this.messages[i - 1].priority, max) < p) i--;
      this.messages.splice(i, 0, msg);
    } else {
      this.messages.push(msg);
    }
    this.dispatch();
  }

  addConsumer(processor: DeliveryProcessor, prefetch: number): void {
    this.consumers.push({ processor, prefetch, inFlight: 0 });
    queueMicrotask(() => this.dispatch());
  }

  removeConsumer(processor: DeliveryProcessor): void {
    const i = this.consumers.findIndex((c) => c.processor === processor);
    if (i >= 0) this.consumers.splice(i, 1);
  }

  /** Ready messages this queue will hand out (it has a consumer). */
  get pending(): number {
    return this.consumers.length > 0 ? this.messages.length : 0;
  }

  dispatch(): void {
    const single = this.args['x-single-active-consumer'] === true;
    while (this.messages.length > 0) {
      const c = this.pick(single);
      if (!c) return;
      const msg = this.messages.shift()!;
      if (msg.expiresAt !== undefined && msg.expiresAt <= Date.now()) {
        this.hooks.expired(this, msg);
        continue;
      }
      this.deliver(c, msg);
    }
  }

  private pick(single: boolean): Consumer | undefined {
    if (this.consumers.length === 0) return undefined;
    if (single) {
      const c = this.consumers[0];
      return c.inFlight < c.prefetch ? c : undefined;
    }
    for (let n = 0; n < this.consumers.length; n++) {
      const c = this.consumers[(this.next + n) % this.consumers.length];
      if (c.inFlight < c.prefetch) {
        this.next = (this.next + n + 1) % this.consumers.length;
        return c;
      }
    }
    return undefined;
  }

  private deliver(c: Consumer, msg: StoredMessage): void {
    c.inFlight++;
    this.inFlight++;
    const done = (outcome: Settlement) => {
      c.inFlight--;
      this.inFlight--;
      if (outcome === 'requeue') {
        // given back after a pause (as the AMQP consumer does): never a hot loop
        this.hooks.schedule(this.hooks.giveBackDelayMs, () =>
          this.enqueueFront({ ...msg, redelivered: true }),
        );
      }
      this.hooks.settled();
      this.dispatch();
    };
    // a microtask, never a timer: fake timers (jest) must not be needed to deliver a message
    void Promise.resolve()
      .then(() => c.processor.process(msg))
      .then(done, () => done('requeue'));
  }

  private enqueueFront(msg: StoredMessage): void {
    this.messages.unshift(msg);
    this.dispatch();
  }
}
