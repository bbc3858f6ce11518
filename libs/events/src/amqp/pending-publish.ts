import type { Options } from 'amqplib';
import type { PublishFrame } from './confirm-send.js';

/**
 * One publish until it settles. A member of the publisher's list of unsettled publishes (prev/next:
 * no hashing, no per-message set entry), with its confirm callback made once, reused on a resend.
 */
export class PendingPublish {
  prev: PendingPublish | undefined;
  next: PendingPublish | undefined;
  /** The encoded-ready frame (built on first write, reused on a resend); undefined = channel.publish(). */
  frame: PublishFrame | undefined;
  /** Channel generation the message was last written to; 0 = waiting in the buffer. */
  gen = 0;
  settled = false;
  /** Called by amqplib with the broker's confirm of the channel this was last written to. */
  readonly onConfirm: (err: Error | null) => void;

  constructor(
    owner: { confirmed(p: PendingPublish, err: Error | null): void },
    readonly exchange: string,
    readonly routingKey: string,
    readonly content: Buffer,
    readonly options: Options.Publish,
    public deadline: number,
    /** Called once with the outcome: undefined = confirmed. */
    readonly done: (error?: Error) => void,
    /** Failure-path copy: its deadline does not run while the broker blocks the connection (alarm). */
    readonly hold: boolean,
  ) {
    this.onConfirm = (err) => owner.confirmed(this, err);
  }

  get messageId(): string | undefined {
    return this.options.messageId;
  }
}

/** The unsettled publishes, oldest first (so in deadline order: all share one timeout). */
export class PendingList {
  first: PendingPublish | undefined;
  private last: PendingPublish | undefined;
  size = 0;

  add(p: PendingPublish): void {
    p.prev = this.last;
    if (this.last) this.last.next = p;
    else this.first = p;
    this.last = p;
    this.size++;
  }

  remove(p: PendingPublish): void {
    if (p.prev) p.prev.next = p.next;
    else this.first = p.next;
    if (p.next) p.next.prev = p.prev;
    else this.last = p.prev;
    p.prev = p.next = undefined;
    this.size--;
  }

  /** As an array (safe to settle while walking it). */
  toArray(): PendingPublish[] {
    const out: PendingPublish[] = [];
    for (let p = this.first; p; p = p.next) out.push(p);
    return out;
  }
}
