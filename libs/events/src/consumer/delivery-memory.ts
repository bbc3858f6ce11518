/**
 * What this process knows about deliveries of one queue, so a broker redelivery of a message this
 * process already settled (its ack was lost with the channel) or is still running is not run again
 * and not counted as a new attempt. Bounded: the oldest entries are forgotten first.
 */
export class DeliveryMemory {
  private readonly running = new Map<string, Promise<boolean>>();
  private readonly settled = new Map<string, true>();

  constructor(private readonly max = 10_000) {}

  /** Registers a running delivery; the promise resolves true once its fate is settled. */
  track(id: string, outcome: Promise<boolean>): void {
    this.running.set(id, outcome);
    const done = () => {
      if (this.running.get(id) === outcome) this.running.delete(id);
    };
    // then(done, done), not finally(): a rejected outcome must not become an unhandled rejection here
    outcome.then(done, done);
  }

  /** Remembers that the delivery was settled here but its ack could not be sent. */
  markSettled(id: string): void {
    this.settled.set(id, true);
    if (this.settled.size > this.max) {
      const oldest = this.settled.keys().next().value;
      if (oldest !== undefined) this.settled.delete(oldest);
    }
  }

  /** 'settled' | a promise of the running one | undefined (unknown here). */
  lookup(id: string): 'settled' | Promise<boolean> | undefined {
    if (this.settled.has(id)) return 'settled';
    return this.running.get(id);
  }

  forget(id: string): void {
    this.settled.delete(id);
  }
}
