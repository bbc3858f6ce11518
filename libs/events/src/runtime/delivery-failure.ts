import type { Logger } from '@nestjs/common';
import { HEADERS } from '../constants.js';
import type { EventEnvelope } from '../envelope/envelope.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import { decideOnFailure, type FailureKind } from '../retry/failure-decision.js';
import { names } from '../topology/topology-names.js';
import type { InboundMessage, Settlement } from '../transport/events-transport.js';
import { deadLetterHeaders } from '../consumer/failure-headers.js';
import type { HandlerRegistration } from '../consumer/handler-registration.js';
import type { DeliveryOutcomeReporter } from '../delivery/delivery-outcome.reporter.js';
import type { DeliveryDeps } from './delivery.processor.js';
import { copyHeaders, copyProperties } from './message-copy.js';
import type { DeliveryOutcomeKind, RuntimeObservers } from './runtime-observer.js';

/**
 * What happens to a delivery that failed (the handler threw, the message was undecodable, or its holder
 * died): one decision (retry, postpone or dead-letter), then the copy it needs, confirmed, before the
 * original is acked. When the copy cannot be sent, the original is given back instead: never lost.
 */
export class DeliveryFailure {
  constructor(
    private readonly reg: HandlerRegistration,
    private readonly deps: DeliveryDeps,
    private readonly logger: Logger,
    private readonly outcomes: DeliveryOutcomeReporter,
  ) {}

  /** The one failure path: decide, then send the retry, postponed or dead-letter copy (confirmed) before acking. */
  async fail(
    msg: InboundMessage,
    envelope: EventEnvelope | undefined,
    policy: RetryPolicy,
    error: unknown,
    kind: FailureKind,
  ): Promise<Settlement> {
    const attempt = envelope?.attempt ?? 1;
    const decision = decideOnFailure({
      error,
      attempt,
      policy,
      nonRetryableErrors: this.deps.options.nonRetryableErrors,
      kind,
      postponeMs: Math.max(1000, this.deps.options.reconnectDelayMs),
    });
    const what = envelope
      ? `event ${envelope.type} (id ${envelope.id})`
      : `message ${String(msg.properties.messageId ?? '?')}`;
    const message = (error as Error)?.message ?? String(error);
    if (decision.action === 'dead-letter') {
      if (kind !== 'undecodable') {
        this.logger.error(
          `${what} dead-lettered to ${names.deadLetterQueue(this.reg.queue)} after attempt ${attempt}/${policy.maxAttempts} (${decision.reason}): ${message}`,
        );
      }
      return this.park(msg, envelope, decision.reason, error, attempt);
    }
    const headers = copyHeaders(msg, this.deps.options.exchange);
    if (decision.action === 'postpone') {
      this.logger.warn(
        `${what} postponed ${decision.delayMs} ms, attempt ${attempt} not counted: ${message}`,
      );
    } else {
      this.logger.warn(
        `${what} failed attempt ${attempt}/${policy.maxAttempts}: ${message}; retrying in ${decision.delayMs} ms`,
      );
      headers[HEADERS.attempt] = decision.nextAttempt;
      headers[HEADERS.firstFailureAt] ??= new Date().toISOString();
    }
    try {
      await this.deps.transport.sendToQueue(
        this.reg.queue,
        msg.content,
        copyProperties(msg.properties, headers, envelope, this.deps.options.userId),
        decision.delayMs,
      );
    } catch (e) {
      this.logger.error(
        `could not schedule the next attempt of ${what}: ${(e as Error).message}; giving the message back`,
      );
      return 'requeue';
    }
    if (decision.action === 'retry') this.deps.metrics.retried(this.reg.name);
    if (this.deps.observers.active)
      observeDelivery(
        this.deps.observers,
        this.reg,
        envelope,
        decision.action === 'retry' ? 'retried' : 'postponed',
        { error, delayMs: decision.delayMs },
      );
    return 'ack';
  }

  private async park(
    msg: InboundMessage,
    envelope: EventEnvelope | undefined,
    reason: string,
    error: unknown,
    attempts: number,
  ): Promise<Settlement> {
    const headers = copyHeaders(msg, this.deps.options.exchange);
    const now = new Date().toISOString();
    Object.assign(
      headers,
      deadLetterHeaders({
        reason: reason as Parameters<typeof deadLetterHeaders>[0]['reason'],
        error,
        attempts,
        handler: this.reg.name,
        queue: this.reg.queue,
        originalExchange: String(headers[HEADERS.originalExchange]),
        originalRoutingKey: String(headers[HEADERS.originalRoutingKey]),
        firstFailureAt: String(headers[HEADERS.firstFailureAt] ?? now),
        now,
      }),
    );
    try {
      await this.deps.transport.deadLetter(
        this.reg.queue,
        msg.content,
        copyProperties(msg.properties, headers, envelope, this.deps.options.userId),
      );
    } catch (e) {
      this.logger.error(
        `could not dead-letter ${String(msg.properties.messageId ?? '?')}: ${(e as Error).message}; giving the message back`,
      );
      return 'requeue';
    }
    this.deps.metrics.deadLettered(this.reg.name, envelope?.type);
    this.outcomes.deadLettered(msg, this.reg.name, reason, error);
    if (this.deps.observers.active)
      observeDelivery(this.deps.observers, this.reg, envelope, 'dead-lettered', { reason, error }, attempts);
    return 'ack';
  }
}

/** Tells the runtime's observers (e.g. the testing harness) how a delivery ended. */
export function observeDelivery(
  observers: RuntimeObservers,
  reg: HandlerRegistration,
  envelope: EventEnvelope | undefined,
  outcome: DeliveryOutcomeKind,
  extra: { reason?: string; error?: unknown; delayMs?: number } = {},
  attempt?: number,
): void {
  observers.delivery({
    handler: reg.name,
    queue: reg.queue,
    envelope,
    attempt: attempt ?? envelope?.attempt ?? 1,
    outcome,
    ...extra,
  });
}
