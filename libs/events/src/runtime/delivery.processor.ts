import { Logger } from '@nestjs/common';
import { context as otelContext, propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import { HEADERS } from '../constants.js';
import { decodeMessage } from '../envelope/envelope.codec.js';
import type { EventEnvelope } from '../envelope/envelope.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { resolveRetryPolicy } from '../options/resolve-options.js';
import { decideOnFailure, type FailureKind } from '../retry/failure-decision.js';
import { names } from '../topology/topology-names.js';
import type {
  DeliveryProcessor,
  EventsTransport,
  InboundMessage,
  Settlement,
} from '../transport/events-transport.js';
import { DeliveryContext, type FollowUpPublisher } from '../consumer/delivery-context.js';
import { DeliveryMemory } from '../consumer/delivery-memory.js';
import { attemptOf, isFailoverRedelivery, recallRedelivery } from '../consumer/redelivery.js';
import { deadLetterHeaders } from '../consumer/failure-headers.js';
import type { HandlerRegistration } from '../consumer/handler-registration.js';
import type { EventsMetrics } from '../observability/events-metrics.js';
import { DeliveryOutcomeReporter } from '../delivery/delivery-outcome.reporter.js';
import { copyHeaders, copyProperties } from './message-copy.js';
import { openInbound, type PayloadCipher } from './payload-cipher.js';
import { startConsumerSpan } from './delivery-span.js';
import type { DeliveryOutcomeKind, RuntimeObservers } from './runtime-observer.js';

/** What a processor needs from its bus. */
export interface DeliveryDeps {
  options: ResolvedEventsOptions;
  transport: EventsTransport;
  followUp: FollowUpPublisher;
  metrics: EventsMetrics;
  observers: RuntimeObservers;
  /** Turns an older schema version of an incoming event into the current one (event sourcing upcasters). */
  upcast?: (envelope: EventEnvelope) => EventEnvelope;
  /** Opens encrypted payloads (module option `encryption`). */
  cipher?: PayloadCipher;
  /** Whether a deduplicating handler's inbox already holds the event (see EventsPersistence.processed). */
  processed?: (reg: HandlerRegistration, eventId: string) => Promise<boolean>;
}

/**
 * Runs one handler for one delivery and settles its fate through the single failure decision:
 * success → ack; failure → a confirmed retry copy to this queue only (after the backoff), a
 * postponed copy (infrastructure down, not counted) or a confirmed dead-letter copy, then ack.
 * Works on transport-neutral messages: the same code runs on RabbitMQ and on the memory transport.
 */
export class DeliveryProcessorImpl implements DeliveryProcessor {
  private readonly logger: Logger;
  private readonly memory = new DeliveryMemory();
  private readonly outcomes: DeliveryOutcomeReporter;
  private readonly options: ResolvedEventsOptions;
  private readonly transport: EventsTransport;

  constructor(
    private readonly reg: HandlerRegistration,
    private readonly deps: DeliveryDeps,
  ) {
    this.logger = new Logger(`EventHandler:${reg.name}`);
    this.options = deps.options;
    this.transport = deps.transport;
    this.outcomes = new DeliveryOutcomeReporter(deps.transport);
  }

  ackLost(msg: InboundMessage): void {
    const id = msg.properties.messageId;
    if (typeof id === 'string') this.memory.remember(id, attemptOf(msg), 'acked');
  }

  async process(msg: InboundMessage): Promise<Settlement> {
    const id = typeof msg.properties.messageId === 'string' ? msg.properties.messageId : undefined;
    if (id === undefined) return this.handle(msg, undefined, msg.redelivered);
    const attempt = attemptOf(msg);
    let unknownRedelivery = false;
    if (msg.redelivered) {
      const recalled = await recallRedelivery(this.memory, id, attempt);
      if (recalled === 'ack') return 'ack';
      unknownRedelivery = recalled === 'unknown';
    }
    const ticket = this.memory.begin(id, attempt);
    let acked = false;
    try {
      const outcome = await this.handle(msg, id, unknownRedelivery);
      acked = outcome === 'ack';
      return outcome;
    } finally {
      this.memory.end(id, ticket, acked);
    }
  }

  /** Opens, decodes and runs one delivery; an unknown redelivery (its holder died) counts as an attempt. */
  private handle(
    msg: InboundMessage,
    id: string | undefined,
    unknownRedelivery: boolean,
  ): Promise<Settlement> {
    const opened = openInbound(msg, this.deps.cipher);
    if (opened instanceof Error) {
      this.logger.warn(
        `dead-lettering an encrypted message (id ${id ?? '?'}) from "${this.reg.queue}": ${opened.message}`,
      );
      return this.fail(msg, undefined, this.options.retry, opened, 'undecodable');
    }
    // the routing key gives the type of a message another producer sent without one
    const decoded = decodeMessage({ content: opened.content, properties: opened.properties, fields: opened });
    if (!decoded.ok) {
      this.logger.warn(
        `dead-lettering an undecodable message (id ${id ?? '?'}) from "${this.reg.queue}": ${decoded.reason}`,
      );
      return this.fail(msg, undefined, this.options.retry, new Error(decoded.reason), 'undecodable');
    }
    const envelope = this.deps.upcast ? this.deps.upcast(decoded.envelope) : decoded.envelope;
    const policy = this.policyFor(envelope);
    if (unknownRedelivery && !isFailoverRedelivery(msg)) {
      return this.redelivered(msg, envelope, policy);
    }
    return this.run(msg, envelope, policy);
  }

  /**
   * A redelivery no one here knows: another instance (or a process that died) held it. A deduplicating
   * handler whose inbox already holds the event was done with it (the ack was lost): acked, not run,
   * not counted. Otherwise it counts as an attempt, so a message that keeps killing its consumers
   * still ends in the DLQ.
   */
  private async redelivered(
    msg: InboundMessage,
    envelope: EventEnvelope,
    policy: RetryPolicy,
  ): Promise<Settlement> {
    const processed = this.deps.processed;
    if (processed && (await processed(this.reg, envelope.id).catch(() => false))) {
      this.logger.debug(`redelivered event ${envelope.id} was already processed (inbox): acked`);
      this.deps.metrics.skipped(this.reg.name);
      return 'ack';
    }
    // a consumer died holding this message (or lost its channel before acking): count it as an attempt
    const err = new Error(
      `redelivered by the broker during attempt ${envelope.attempt}: the consumer holding it died or lost its connection`,
    );
    err.name = 'RedeliveredError';
    return this.fail(msg, envelope, policy, err, 'redelivered');
  }

  private async run(msg: InboundMessage, envelope: EventEnvelope, policy: RetryPolicy): Promise<Settlement> {
    const ctx = new DeliveryContext(
      envelope,
      envelope.attempt,
      policy.maxAttempts,
      msg.redelivered,
      this.reg.queue,
      this.deps.followUp,
    );
    const started = performance.now();
    const parent = envelope.traceparent
      ? propagation.extract(otelContext.active(), {
          traceparent: envelope.traceparent,
          tracestate: envelope.tracestate,
        })
      : otelContext.active();
    const span = startConsumerSpan(envelope, msg.routingKey, this.reg, this.transport.kind, parent);
    try {
      const where = this.reg.options.where;
      if (where && !where(envelope.data, ctx)) {
        this.deps.metrics.skipped(this.reg.name);
        this.outcomes.succeeded(msg, this.reg.name, undefined);
        if (this.deps.observers.active) this.observe(envelope, 'skipped');
        return 'ack';
      }
      // without a recording span or a publisher's trace context there is no context to hand down
      // (no OpenTelemetry SDK): the handler is called directly, with no context copy per delivery
      const result: unknown =
        span.isRecording() || envelope.traceparent
          ? await otelContext.with(trace.setSpan(parent, span), () => this.reg.invoke(envelope.data, ctx))
          : await this.reg.invoke(envelope.data, ctx);
      this.outcomes.succeeded(msg, this.reg.name, result);
      this.deps.metrics.handled(this.reg.name, performance.now() - started);
      if (this.deps.observers.active) this.observe(envelope, 'handled');
      return 'ack';
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      this.deps.metrics.failed(this.reg.name, performance.now() - started);
      return this.fail(msg, envelope, policy, error, 'error');
    } finally {
      span.end();
    }
  }

  /** The one failure path: decide, then send the retry, postponed or dead-letter copy (confirmed) before acking. */
  private async fail(
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
      nonRetryableErrors: this.options.nonRetryableErrors,
      kind,
      postponeMs: Math.max(1000, this.options.reconnectDelayMs),
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
    const headers = copyHeaders(msg, this.options.exchange);
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
      await this.transport.sendToQueue(
        this.reg.queue,
        msg.content,
        copyProperties(msg.properties, headers, envelope, this.options.userId),
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
      this.observe(envelope, decision.action === 'retry' ? 'retried' : 'postponed', {
        error,
        delayMs: decision.delayMs,
      });
    return 'ack';
  }

  private async park(
    msg: InboundMessage,
    envelope: EventEnvelope | undefined,
    reason: string,
    error: unknown,
    attempts: number,
  ): Promise<Settlement> {
    const headers = copyHeaders(msg, this.options.exchange);
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
      await this.transport.deadLetter(
        this.reg.queue,
        msg.content,
        copyProperties(msg.properties, headers, envelope, this.options.userId),
      );
    } catch (e) {
      this.logger.error(
        `could not dead-letter ${String(msg.properties.messageId ?? '?')}: ${(e as Error).message}; giving the message back`,
      );
      return 'requeue';
    }
    this.deps.metrics.deadLettered(this.reg.name, envelope?.type);
    this.outcomes.deadLettered(msg, this.reg.name, reason, error);
    if (this.deps.observers.active) this.observe(envelope, 'dead-lettered', { reason, error }, attempts);
    return 'ack';
  }

  private observe(
    envelope: EventEnvelope | undefined,
    outcome: DeliveryOutcomeKind,
    extra: { reason?: string; error?: unknown; delayMs?: number } = {},
    attempt?: number,
  ): void {
    this.deps.observers.delivery({
      handler: this.reg.name,
      queue: this.reg.queue,
      envelope,
      attempt: attempt ?? envelope?.attempt ?? 1,
      outcome,
      ...extra,
    });
  }

  private policyFor(envelope: EventEnvelope): RetryPolicy {
    if (this.reg.retry) return this.reg.retry;
    if (envelope.retry) {
      try {
        return resolveRetryPolicy('retry', envelope.retry, this.options.retry);
      } catch {
        return this.options.retry;
      }
    }
    return this.options.retry;
  }
}
