import type { Logger } from '@nestjs/common';
import type { ChannelModel } from 'amqplib';
import { maskUri } from '../options/resolve-options.js';
import type { Topology } from '../topology/topology.js';
import type { ManagedConnection } from './managed-connection.js';
import { applyTopology } from './topology.applier.js';

/** Longest pause between two attempts to declare the shared topology while connected. */
const MAX_REDECLARE_DELAY_MS = 30_000;

/**
 * What the publish connection declares after every (re)connect: the topology every service on the
 * exchange shares, then the parts added with `add()`. Each part is declared once per connection (a
 * failed declaration is forgotten, so the next call tries again); after a reconnect a failure is
 * retried while that connection lasts, with a growing pause, and publishing goes on meanwhile.
 */
export class PublishSideTopology {
  private readonly parts: Topology[];
  private readonly applied = new WeakMap<ChannelModel, Map<Topology, Promise<void>>>();
  private timer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private stopped = false;

  constructor(
    shared: Topology,
    private readonly connection: ManagedConnection,
    private readonly reconnectDelayMs: number,
    private readonly logger: Logger,
  ) {
    this.parts = [shared];
    this.delayMs = reconnectDelayMs;
  }

  /** The topology every service on the exchange shares (the first part). */
  get shared(): Topology {
    return this.parts[0];
  }

  /** Declares `t` after every later reconnect too. */
  add(t: Topology): void {
    if (!this.parts.includes(t)) this.parts.push(t);
  }

  /** Declares every part on `c`; a failure there is retried while `c` is the live connection. */
  async ensure(c: ChannelModel): Promise<void> {
    clearTimeout(this.timer);
    try {
      for (const t of this.parts) await this.apply(c, t);
      this.delayMs = this.reconnectDelayMs;
    } catch (e) {
      if (this.connection.connection === c && !this.stopped) {
        clearTimeout(this.timer);
        const delay = this.delayMs;
        this.delayMs = Math.min(delay * 2, MAX_REDECLARE_DELAY_MS);
        this.timer = setTimeout(() => {
          if (this.connection.connection === c && !this.stopped)
            this.ensure(c).catch((err: Error) =>
              this.logger.warn(`declaring the shared topology failed again: ${maskUri(err.message)}`),
            );
        }, delay);
        this.timer.unref();
      }
      throw e;
    }
  }

  /** Declares `t` on `c` once (concurrent callers share the declaration). */
  apply(c: ChannelModel, t: Topology): Promise<void> {
    let done = this.applied.get(c);
    if (!done) this.applied.set(c, (done = new Map()));
    let p = done.get(t);
    if (!p) {
      p = applyTopology(c, t);
      done.set(t, p);
      p.catch(() => done.delete(t));
    }
    return p;
  }

  /** Forgets what was declared on `c` (objects were deleted: the next `apply` declares again). */
  forget(c: ChannelModel): void {
    this.applied.get(c)?.clear();
  }

  /** No more retries (startup failed or the transport stops). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
