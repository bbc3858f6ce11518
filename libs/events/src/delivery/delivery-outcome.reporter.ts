import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EventsTransport } from '../transport/events-transport.js';
import {
  describeError,
  encodeOutcome,
  replyTarget,
  type DeliveryOutcome,
  type RemoteErrorInfo,
  type ReplyTarget,
} from './delivery-outcome.js';

/**
 * What a request handler returns to answer with an error while its delivery still counts as settled
 * (acked, not dead-lettered): a failed command or query is an answer to its caller, not a poison message.
 */
export class ReplyWithError {
  constructor(readonly error: RemoteErrorInfo) {}
}

interface ProcessedMessage {
  properties: { messageId?: unknown; headers?: Record<string, unknown> };
}

/**
 * Consumer side of `waitForDelivery` and request/reply: after a handler settled a message that
 * carries a reply address, sends a small outcome message to it. Messages without one cost a header
 * lookup. Outcomes are best effort (the waiter times out if one is lost), so they never delay the ack.
 */
export class DeliveryOutcomeReporter {
  private readonly logger = new Logger(DeliveryOutcomeReporter.name);

  constructor(private readonly transport: EventsTransport) {}

  /** The handler succeeded (called before the ack). */
  succeeded(msg: ProcessedMessage, handler: string, result: unknown): void {
    const target = replyTarget(msg);
    if (!target) return;
    if (result instanceof ReplyWithError) {
      this.send(target, { ok: false, handler, reason: 'error', error: result.error });
      return;
    }
    this.send(
      target,
      target.wantsResult && result !== undefined ? { ok: true, handler, result } : { ok: true, handler },
    );
  }

  /** The message was parked in the dead-letter queue (called after the DLQ copy was confirmed). */
  deadLettered(msg: ProcessedMessage, handler: string, reason: string, error: unknown): void {
    const target = replyTarget(msg);
    if (!target) return;
    this.send(target, { ok: false, handler, reason, error: describeError(error) });
  }

  private send(target: ReplyTarget, outcome: DeliveryOutcome): void {
    const content = encodeOutcome(outcome, target);
    this.transport
      .publish('', target.queue, content, {
        messageId: randomUUID(),
        correlationId: target.correlationId,
        contentType: 'application/json',
        persistent: false,
      })
      .catch((e: Error) =>
        this.logger.debug(
          `outcome for ${target.correlationId} not delivered to "${target.queue}": ${e.message}`,
        ),
      );
  }
}
