/** What became of a delivery this process finished: acked (handled, retried or parked) or given back. */
export type RememberedFate = 'acked' | 'given-back';

/** A delivery running here; waiters exist only when a redelivery of the same message is waiting for it. */
export interface RunningDelivery {
  readonly attempt: number;
  waiters: Array<(acked: boolean) => void> | undefined;
}

/**
 * What this process knows about the deliveries of one queue, so a broker redelivery caused by a lost
 * connection, a channel closed under us or a quorum leader failover is not mistaken for a handler
 * failure:
 * - a redelivery of a message (same id and attempt) this process already acked (the ack may have
 *   been lost with the channel or the old leader) is acked again without running the handler;
 * - one this process gave back itself (requeue after a failed retry publish) runs again at the same
 *   attempt, not counted;
 * - one still running here waits for that run's outcome.
 * Only an unknown redelivery (the process that held it died) counts as an attempt.
 *
 * Per delivery: one small record while running and one map entry afterwards (no promise, no closure);
 * bounded: the oldest finished entries are forgotten first.
 */
export class DeliveryMemory {
  private readonly running = new Map<string, RunningDelivery>();
  /** id → attempt * 2 + (1 when acked, 0 when given back). */
  private readonly finished = new Map<string, number>();

  constructor(private readonly max = 4096) {}

  /** Registers a delivery that starts running here. */
  begin(id: string, attempt: number): RunningDelivery {
    const entry: RunningDelivery = { attempt, waiters: undefined };
    this.running.set(id, entry);
    return entry;
  }

  /** Records how a running delivery ended and wakes any redelivery waiting for it. */
  end(id: string, entry: RunningDelivery, acked: boolean): void {
    if (this.running.get(id) === entry) this.running.delete(id);
    this.remember(id, entry.attempt, acked ? 'acked' : 'given-back');
    const waiters = entry.waiters;
    if (waiters) {
      entry.waiters = undefined;
      for (const w of waiters) w(acked);
    }
  }

  /** Remembers a fate directly (an ack that could not be sent because the channel was gone). */
  remember(id: string, attempt: number, fate: RememberedFate): void {
    const finished = this.finished;
    if (finished.size >= this.max && !finished.has(id)) {
      for (const oldest of finished.keys()) {
        finished.delete(oldest);
        break;
      }
    }
    finished.set(id, attempt * 2 + (fate === 'acked' ? 1 : 0));
  }

  /**
   * What is known of this message at this attempt: its remembered fate, a promise of the running
   * delivery's outcome (true = acked), or undefined (unknown here).
   */
  lookup(id: string, attempt: number): RememberedFate | Promise<boolean> | undefined {
    const entry = this.running.get(id);
    if (entry && entry.attempt === attempt) {
      return new Promise<boolean>((resolve) => (entry.waiters ??= []).push(resolve));
    }
    const code = this.finished.get(id);
    if (code === undefined || code >> 1 !== attempt) return undefined;
    return (code & 1) === 1 ? 'acked' : 'given-back';
  }

  get size(): number {
    return this.finished.size;
  }
}
