import { HEADERS } from '../constants.js';
import { positiveInteger } from '../envelope/incoming-message.js';
import type { InboundMessage } from '../transport/events-transport.js';
import type { DeliveryMemory } from './delivery-memory.js';

/**
 * Redeliveries a quorum queue made at most this many times are run again at the same attempt: a
 * connection loss or a node failover is not a handler failure. Past it, a redelivery counts as an
 * attempt (a message that keeps killing its consumer still ends in the DLQ).
 */
export const FAILOVER_REDELIVERY_GRACE = 2;

/** A quorum queue's redelivery (it counts deliveries in `x-delivery-count`) still within the grace. */
export function isFailoverRedelivery(msg: InboundMessage): boolean {
  const count = msg.properties.headers?.['x-delivery-count'];
  return typeof count === 'number' && count <= FAILOVER_REDELIVERY_GRACE;
}

/** The attempt a message carries (`x-attempt`, absent = 1), read without decoding it. */
export function attemptOf(msg: InboundMessage): number {
  return positiveInteger(msg.properties.headers?.[HEADERS.attempt]) ?? 1;
}

/**
 * What this process's memory makes of a broker redelivery (id and attempt): 'ack' when it was acked
 * here (the ack was lost with the channel or a failed-over leader) or a run here in progress ends
 * acked; 'rerun' when it was given back here, or the run here did not ack (not a handler failure, not
 * a new attempt); 'unknown' when this process never saw it (its holder died, or another instance had it).
 */
export async function recallRedelivery(
  memory: DeliveryMemory,
  id: string,
  attempt: number,
): Promise<'ack' | 'rerun' | 'unknown'> {
  const known = memory.lookup(id, attempt);
  if (known === undefined) return 'unknown';
  if (known === 'acked') return 'ack';
  if (known === 'given-back') return 'rerun';
  return (await known) ? 'ack' : 'rerun';
}
