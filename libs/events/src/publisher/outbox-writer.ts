import type { EventEnvelope } from '../envelope/envelope.js';

/** Seam for the transactional outbox (persistence): writes envelopes inside the caller's transaction. */
export interface OutboxWriter {
  write(transaction: unknown, events: Array<{ envelope: EventEnvelope; content: Buffer; delay: number }>): Promise<void>;
}
export const OUTBOX_WRITER = Symbol('nestjs-amqp-events:outbox-writer');
