import { Logger } from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import { context as otelContext, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { HEADERS } from '../constants.js';
import { TransientError } from '../errors/transient.error.js';
import { decodeMessage } from '../envelope/envelope.codec.js';
import { copyPublishProperties } from '../envelope/copy-properties.js';
import type { EventEnvelope } from '../envelope/envelope.js';
import { republishableHeaders } from '../envelope/header-sanitizer.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { resolveRetryPolicy } from '../options/resolve-options.js';
import { decideOnFailure, type DeadLetterReason } from '../retry/failure-decision.js';
import { delayRoute } from '../topology/delay-route.js';
import { names } from '../topology/topology-names.js';
import type { ConfirmPublisher } from '../amqp/confirm-publisher.js';
import type { DeliveryProcessor } from '../amqp/queue-consumer.js';
import { DeliveryContext, type FollowUpPublisher } from './delivery-context.js';
import { DeliveryMemory } from './delivery-memory.js';
import { deadLetterHeaders } from './failure-headers.js';
import type { HandlerRegistration } from './handler-registration.js';
import type { EventsMetrics } from '../observability/events-metrics.js';
import { DeliveryOutcomeReporter } from '../delivery/delivery-outcome.reporter.js';

const tracer = trace.getTracer('nestjs-amqp-events');

/**
 * Runs one handler for one delivery and decides its fate through the single failure decision:
 * success → ack; failure → a confirmed retry copy (to this queue only, after the backoff) or a
 * confirmed dead-letter copy, then ack. Nothing is requeued in a loop.
 */
export class HandlerDeliveryProcessor implements DeliveryProcessor {
  private readonly logger: Logger;
  private readonly memory = new DeliveryMemory();
  /** Reports success / dead-lettering to a waiting publisher (waitForDelivery, request/reply). */
  private readonly outcomes: DeliveryOutcomeReporter;

  constructor(
    private readonly reg: HandlerRegistration,
    private readonly options: ResolvedEventsOptions,
    private readonly publisher: ConfirmPublisher,
    private readonly followUp: FollowUpPublisher,
    private readonly metrics: EventsMetrics,
  ) {
    this.logger = new Logger(`EventHandler:${reg.name}`);
    this.outcomes = new DeliveryOutcomeReporter(publisher);
  }

  ackLost(msg: ConsumeMessage): void {
    const id = msg.properties.messageId as string | undefined;
    if (id) this.memory.markSettled(id);
  }

  async process(msg: ConsumeMessage, redelivered: boolean): Promise<'ack' | 'requeue'> {
    const id = msg.properties.messageId as string | undefined;
    if (redelivered && id) {
      const known = this.memory.lookup(id);
      if (known === 'settled') {
        this.memory.forget(id);
        return 'ack';
      }
      if (known && (await known)) return 'ack';
    }
    const decoded = decodeMessage(msg);
    if (!decoded.ok) {
      this.logger.warn(`dead-lettering an undecodable message (id ${id ?? '?'}) from "${this.reg.queue}": ${decoded.reason}`);
      return this.park(msg, 'undecodable', new Error(decoded.reason), 1, undefined);
    }
    const envelope = decoded.envelope;
    const policy = this.policyFor(envelope);
    if (redelivered && !(id && this.memory.lookup(id))) {
      // a consumer died holding this message (or lost its channel before acking): count it as an attempt
      const err = new Error(`redelivered by the broker during attempt ${envelope.attempt}: the consumer holding it died or lost its connection`);
      err.name = 'RedeliveredError';
      return this.fail(msg, envelope, policy, err, 'redelivered');
    }
    let settle!: (ok: boolean) => void;
    if (id) this.memory.track(id, new Promise<boolean>((r) => (settle = r)));
    try {
      const outcome = await this.run(msg, envelope, policy);
      settle?.(outcome === 'ack');
      return outcome;
    } catch (e) {
      settle?.(false);
      throw e;
    }
  }

  private async run(msg: ConsumeMessage, envelope: EventEnvelope, policy: RetryPolicy): Promise<'ack' | 'requeue'> {
    const ctx = new DeliveryContext(envelope, envelope.attempt, policy.maxAttempts, msg.fields.redelivered, this.reg.queue, this.followUp);
    const started = performance.now();
    const parent = envelope.traceparent
      ? propagation.extract(otelContext.active(), { traceparent: envelope.traceparent, tracestate: envelope.tracestate })
      : otelContext.active();
    const span = tracer.startSpan(
      `${envelope.type} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'rabbitmq',
          'messaging.operation': 'process',
          'messaging.destination.name': this.reg.queue,
          'messaging.message.id': envelope.id,
          'nestjs_amqp_events.handler': this.reg.name,
          'nestjs_amqp_events.attempt': envelope.attempt,
        },
      },
      parent,
    );
    try {
      const result: unknown = await otelContext.with(trace.setSpan(parent, span), () => this.reg.invoke(envelope.data, ctx));
      this.outcomes.succeeded(msg, this.reg.name, result);
      this.metrics.handled(this.reg.name, performance.now() - started);
      return 'ack';
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      this.metrics.failed(this.reg.name, performance.now() - started);
      if (error instanceof TransientError) return this.retryLater(msg, envelope, error);
      return this.fail(msg, envelope, policy, error, 'error');
    } finally {
      span.end();
    }
  }

  /** The one failure path: decide, then publish the retry or dead-letter copy (confirmed) before acking. */
  private async fail(
    msg: ConsumeMessage,
    envelope: EventEnvelope,
    policy: RetryPolicy,
    error: unknown,
    kind: 'error' | 'redelivered',
  ): Promise<'ack' | 'requeue'> {
    const decision = decideOnFailure({
      error,
      attempt: envelope.attempt,
      policy,
      nonRetryableErrors: this.options.nonRetryableErrors,
      kind,
    });
    if (decision.action === 'dead-letter') {
      this.logger.error(
        `event ${envelope.type} (id ${envelope.id}) dead-lettered to ${names.deadLetterQueue(this.reg.queue)} after attempt ${envelope.attempt}/${policy.maxAttempts} (${decision.reason}): ${(error as Error)?.message ?? error}`,
      );
      return this.park(msg, decision.reason, error, envelope.attempt, envelope);
    }
    this.logger.warn(
      `event ${envelope.type} (id ${envelope.id}) failed attempt ${envelope.attempt}/${policy.maxAttempts}: ${(error as Error)?.message ?? error}; retrying in ${decision.delayMs} ms`,
    );
    const headers = this.copyHeaders(msg);
    headers[HEADERS.attempt] = decision.nextAttempt;
    headers[HEADERS.firstFailureAt] ??= new Date().toISOString();
    try {
      await this.sendBack(msg, headers, decision.delayMs);
      this.metrics.retried(this.reg.name);
      return 'ack';
    } catch (e) {
      this.logger.error(`could not schedule the retry of ${envelope.id}: ${(e as Error).message}; giving the message back`);
      return 'requeue';
    }
  }

  /** Infrastructure down (TransientError): the same attempt again after a pause; not counted, not parked. */
  private async retryLater(msg: ConsumeMessage, envelope: EventEnvelope, error: TransientError): Promise<'ack' | 'requeue'> {
    const delayMs = Math.max(1000, this.options.reconnectDelayMs);
    this.logger.warn(`event ${envelope.type} (id ${envelope.id}) postponed ${delayMs} ms, attempt ${envelope.attempt} not counted: ${error.message}`);
    try {
      await this.sendBack(msg, this.copyHeaders(msg), delayMs);
      return 'ack';
    } catch {
      return 'requeue';
    }
  }

  /** Publishes a copy back to this queue only, through `{exchange}.retry`, after `delayMs` (confirmed). */
  private sendBack(msg: ConsumeMessage, headers: Record<string, unknown>, delayMs: number): Promise<void> {
    let exchange = names.retryExchange(this.options.exchange);
    if (delayMs >= 1) {
      const route = delayRoute(this.options.exchange, delayMs, 'retry');
      Object.assign(headers, route.headers);
      exchange = route.exchange;
    }
    return this.publisher.publish(exchange, this.reg.queue, msg.content, copyPublishProperties(msg.properties, headers));
  }

  private async park(
    msg: ConsumeMessage,
    reason: DeadLetterReason,
    error: unknown,
    attempts: number,
    envelope: EventEnvelope | undefined,
  ): Promise<'ack' | 'requeue'> {
    const headers = this.copyHeaders(msg);
    const now = new Date().toISOString();
    Object.assign(
      headers,
      deadLetterHeaders({
        reason,
        error,
        attempts,
        handler: this.reg.name,
        queue: this.reg.queue,
        originalExchange: String(headers[HEADERS.originalExchange] ?? msg.fields.exchange),
        originalRoutingKey: String(headers[HEADERS.originalRoutingKey] ?? msg.fields.routingKey),
        firstFailureAt: String(headers[HEADERS.firstFailureAt] ?? now),
        now,
      }),
    );
    try {
      await this.publisher.publish(
        names.deadLetterExchange(this.options.exchange),
        this.reg.queue,
        msg.content,
        copyPublishProperties(msg.properties, headers),
      );
      this.metrics.deadLettered(this.reg.name, envelope?.type);
      this.outcomes.deadLettered(msg, this.reg.name, reason, error);
      return 'ack';
    } catch (e) {
      this.logger.error(`could not dead-letter ${msg.properties.messageId ?? '?'}: ${(e as Error).message}; giving the message back`);
      return 'requeue';
    }
  }

  /** Headers for a copy: x-death etc. stripped (RabbitMQ < 4.0.1 drops copies carrying x-death as cycles). */
  private copyHeaders(msg: ConsumeMessage): Record<string, unknown> {
    const headers = republishableHeaders(msg.properties.headers);
    // a scheduled event arrives from the last delay hop: it was published to the topic exchange
    const viaDelay = msg.fields.exchange.startsWith(`${this.options.exchange}.delay.`);
    headers[HEADERS.originalExchange] ??= viaDelay ? this.options.exchange : msg.fields.exchange;
    headers[HEADERS.originalRoutingKey] ??= msg.fields.routingKey;
    return headers;
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
