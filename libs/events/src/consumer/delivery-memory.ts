/** What became of a delivery this process finished: acked (handled, retried or parked) or given back. */
export type RememberedFate = 'acked' | 'given-back';

const RUNNING = 0;
const ACKED = 1;
const GIVEN_BACK = 2;
const FORGOTTEN = 3;

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
 * A ring of the last `size` deliveries (id, attempt, fate): recording one costs three array stores,
 * no allocation and no hashing, because deliveries are many and redeliveries rare; a redelivery scans
 * the ring (a few microseconds). A delivery still running after `size` newer ones began drops out.
 */
export class DeliveryMemory {
  private readonly ids: Array<string | undefined>;
  private readonly attempts: Uint32Array;
  private readonly fates: Uint8Array;
  private next = 0;
  /** Redeliveries waiting for a delivery that runs here, by message id (rare: after a channel loss). */
  private readonly waiting = new Map<string, Array<(acked: boolean) => void>>();

  constructor(private readonly size = 4096) {
    this.ids = new Array<string | undefined>(size).fill(undefined);
    this.attempts = new Uint32Array(size);
    this.fates = new Uint8Array(size).fill(FORGOTTEN);
  }

  /** Registers a delivery that starts running here; returns its slot for `end()`. */
  begin(id: string, attempt: number): number {
    const slot = this.next;
    this.next = slot + 1 === this.size ? 0 : slot + 1;
    this.ids[slot] = id;
    this.attempts[slot] = attempt;
    this.fates[slot] = RUNNING;
    return slot;
  }

  /** Records how a running delivery ended and wakes any redelivery waiting for it. */
  end(id: string, slot: number, acked: boolean): void {
    if (this.ids[slot] === id) this.fates[slot] = acked ? ACKED : GIVEN_BACK;
    if (this.waiting.size > 0) {
      const waiters = this.waiting.get(id);
      if (waiters && !this.isRunning(id)) {
        this.waiting.delete(id);
        for (const w of waiters) w(acked);
      }
    }
  }

  /** Remembers a fate directly (an ack that could not be sent because the channel was gone). */
  remember(id: string, attempt: number, fate: RememberedFate): void {
    const slot = this.find(id, attempt);
    if (slot >= 0 && this.fates[slot] !== RUNNING) this.fates[slot] = fate === 'acked' ? ACKED : GIVEN_BACK;
    else if (slot < 0) this.fates[this.begin(id, attempt)] = fate === 'acked' ? ACKED : GIVEN_BACK;
  }

  /**
   * What is known of this message at this attempt: its remembered fate, a promise of the running
   * delivery's outcome (true = acked), or undefined (unknown here).
   */
  lookup(id: string, attempt: number): RememberedFate | Promise<boolean> | undefined {
    const slot = this.find(id, attempt);
    if (slot < 0) return undefined;
    const fate = this.fates[slot];
    if (fate === ACKED) return 'acked';
    if (fate === GIVEN_BACK) return 'given-back';
    return new Promise<boolean>((resolve) => {
      const waiters = this.waiting.get(id);
      if (waiters) waiters.push(resolve);
      else this.waiting.set(id, [resolve]);
    });
  }

  /** The newest slot holding this id at this attempt, or -1. */
  private find(id: string, attempt: number): number {
    const { ids, attempts, fates, size } = this;
    for (let i = 1; i <= size; i++) {
      const slot = (this.next - i + size) % size;
      if (ids[slot] === id && attempts[slot] === attempt && fates[slot] !== FORGOTTEN) return slot;
    }
    return -1;
  }

  private isRunning(id: string): boolean {
    const { ids, fates, size } = this;
    for (let slot = 0; slot < size; slot++) if (ids[slot] === id && fates[slot] === RUNNING) return true;
    return false;
  }
}
