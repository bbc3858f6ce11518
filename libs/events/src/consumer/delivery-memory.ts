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
 * A ring of the last `size` deliveries (id, attempt, fate): recording one costs a few typed-array
 * stores, no hashing, and for a UUID id (the library's, and most producers') no retained object: the
 * UUID is kept as four 32-bit numbers, exactly. Keeping each delivery's id string instead made every
 * one of them outlive two young-generation collections and move to the old generation, which is what
 * made a busy consumer's heap grow. A redelivery scans the ring (a few microseconds). A delivery still
 * running after `size` newer ones began drops out.
 */
export class DeliveryMemory {
  /** Ids that are not UUIDs, by slot (undefined when the slot holds a UUID). */
  private readonly ids: Array<string | undefined>;
  /** UUID ids, four words per slot. */
  private readonly uuids: Uint32Array;
  private readonly isUuid: Uint8Array;
  private readonly attempts: Uint32Array;
  private readonly fates: Uint8Array;
  /** The ticket of the delivery each slot holds (tickets count deliveries: ticket % size = slot). */
  private readonly tickets: Float64Array;
  private ticket = 0;
  /** Scratch words of the id being looked up. */
  private readonly probe = new Uint32Array(4);
  /** Redeliveries waiting for a delivery that runs here, by message id (rare: after a channel loss). */
  private readonly waiting = new Map<string, Array<(acked: boolean) => void>>();

  constructor(private readonly size = 4096) {
    this.ids = new Array<string | undefined>(size).fill(undefined);
    this.uuids = new Uint32Array(size * 4);
    this.isUuid = new Uint8Array(size);
    this.attempts = new Uint32Array(size);
    this.fates = new Uint8Array(size).fill(FORGOTTEN);
    this.tickets = new Float64Array(size).fill(-1);
  }

  /** Registers a delivery that starts running here; returns its ticket for `end()`. */
  begin(id: string, attempt: number): number {
    const ticket = this.ticket++;
    const slot = ticket % this.size;
    this.tickets[slot] = ticket;
    if (parseUuid(id, this.uuids, slot * 4)) {
      this.isUuid[slot] = 1;
      this.ids[slot] = undefined;
    } else {
      this.isUuid[slot] = 0;
      this.ids[slot] = id;
    }
    this.attempts[slot] = attempt;
    this.fates[slot] = RUNNING;
    return ticket;
  }

  /** Records how a running delivery ended and wakes any redelivery waiting for it. */
  end(id: string, ticket: number, acked: boolean): void {
    const slot = ticket % this.size;
    if (this.tickets[slot] === ticket) this.fates[slot] = acked ? ACKED : GIVEN_BACK;
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
    const value = fate === 'acked' ? ACKED : GIVEN_BACK;
    if (slot >= 0 && this.fates[slot] !== RUNNING) this.fates[slot] = value;
    else if (slot < 0) this.fates[this.begin(id, attempt) % this.size] = value;
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
    const { attempts, fates, size } = this;
    const uuid = parseUuid(id, this.probe, 0);
    for (let i = 1; i <= size; i++) {
      const slot = (((this.ticket - i) % size) + size) % size;
      if (attempts[slot] === attempt && fates[slot] !== FORGOTTEN && this.holds(slot, id, uuid)) return slot;
    }
    return -1;
  }

  private isRunning(id: string): boolean {
    const uuid = parseUuid(id, this.probe, 0);
    for (let slot = 0; slot < this.size; slot++)
      if (this.fates[slot] === RUNNING && this.holds(slot, id, uuid)) return true;
    return false;
  }

  /** Whether `slot` holds `id` (`uuid`: the id was parsed into `probe`). */
  private holds(slot: number, id: string, uuid: boolean): boolean {
    if (this.isUuid[slot] === 0) return !uuid && this.ids[slot] === id;
    if (!uuid) return false;
    const u = this.uuids;
    const p = this.probe;
    const o = slot * 4;
    return u[o] === p[0] && u[o + 1] === p[1] && u[o + 2] === p[2] && u[o + 3] === p[3];
  }
}

/**
 * Writes the 128 bits of a canonical lower-case UUID (36 characters, 8-4-4-4-12) as four words at
 * `out[offset..offset+3]`; false (nothing meaningful written) for any other string. Lower case only,
 * so that two ids map to the same words exactly when they are the same string.
 */
export function parseUuid(id: string, out: Uint32Array, offset: number): boolean {
  if (id.length !== 36) return false;
  let word = 0;
  let nibbles = 0;
  let w = offset;
  for (let i = 0; i < 36; i++) {
    const c = id.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false; // '-'
      continue;
    }
    let v: number;
    if (c >= 48 && c <= 57) v = c - 48;
    else if (c >= 97 && c <= 102) v = c - 87;
    else return false;
    word = (word << 4) | v;
    if (++nibbles === 8) {
      out[w++] = word >>> 0;
      word = 0;
      nibbles = 0;
    }
  }
  return true;
}
