import { Logger } from '@nestjs/common';
import { context as otelContext, propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import { decodeMessage } from '../envelope/envelope.codec.js';
import type { EventEnvelope } from '../envelope/envelope.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { resolveRetryPolicy } from '../options/resolve-options.js';
import type {
  DeliveryProcessor,
  EventsTransport,
  InboundMessage,
  Settlement,
} from '../transport/events-transport.js';
import { DeliveryContext, type FollowUpPublisher } from '../consumer/delivery-context.js';
import { DeliveryMemory } from '../consumer/delivery-memory.js';
import { attemptOf, isFailoverRedelivery, recallRedelivery } from '../consumer/redelivery.js';
import type { HandlerRegistration } from '../consumer/handler-registration.js';
import type { EventsMetrics } from '../observability/events-metrics.js';
import { DeliveryOutcomeReporter } from '../delivery/delivery-outcome.reporter.js';
import { openInbound, type PayloadCipher } from './payload-cipher.js';
import { startConsumerSpan } from './delivery-span.js';
import { DeliveryFailure, observeDelivery } from './delivery-failure.js';
import type { RuntimeObservers } from './runtime-observer.js';

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
  private readonly failure: DeliveryFailure;
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
    this.failure = new DeliveryFailure(reg, deps, this.logger, this.outcomes);
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
      return this.failure.fail(msg, undefined, this.options.retry, opened, 'undecodable');
    }
    // the routing key gives the type of a message another producer sent without one
    const decoded = decodeMessage({ content: opened.content, properties: opened.properties, fields: opened });
    if (!decoded.ok) {
      this.logger.warn(
        `dead-lettering an undecodable message (id ${id ?? '?'}) from "${this.reg.queue}": ${decoded.reason}`,
      );
      return this.failure.fail(msg, undefined, this.options.retry, new Error(decoded.reason), 'undecodable');
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
    return this.failure.fail(msg, envelope, policy, err, 'redelivered');
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
        if (this.deps.observers.active) observeDelivery(this.deps.observers, this.reg, envelope, 'skipped');
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
      if (this.deps.observers.active) observeDelivery(this.deps.observers, this.reg, envelope, 'handled');
      return 'ack';
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      this.deps.metrics.failed(this.reg.name, performance.now() - started);
      return this.failure.fail(msg, envelope, policy, error, 'error');
    } finally {
      span.end();
    }
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
