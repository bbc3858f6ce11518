import { Inject, Injectable, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { context as otelContext, propagation, SpanKind, trace } from '@opentelemetry/api';
import { RESOLVED_EVENTS_OPTIONS } from '../constants.js';
import { EventsError } from '../errors/events.error.js';
import { encodeEnvelope } from '../envelope/envelope.codec.js';
import { IsoClock } from '../envelope/iso-clock.js';
import type { EventPayload, EventType } from '../interfaces/event-map.interface.js';
import type { PublishItem, PublishOptions, PublishReceipt } from '../interfaces/publish-options.interface.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { resolveRetryPolicy } from '../options/resolve-options.js';
import { EventValidationError } from '../errors/event-validation.error.js';
import { delayRoute } from '../topology/delay-route.js';
import { AmqpEventsTransport } from '../amqp/amqp-events.transport.js';
import { EventsMetrics } from '../observability/events-metrics.js';
import { EVENTS_PERSISTENCE, type EventsPersistence, type PreparedEvent } from '../persistence-seam.js';
import { serializePayload, validateHeaders, validatePublish } from './publish-validation.js';
import { DeliveryWaiter } from '../delivery/delivery-waiter.js';
import { deliveryTimeout, publishAndWait } from '../delivery/wait-for-delivery.js';

const tracer = trace.getTracer('nestjs-amqp-events');

/**
 * Publishes events to the topic exchange with publisher confirms. `publish()` resolves only after the
 * broker confirmed the event (persistent, routed or kept in `{exchange}.unrouted`), or after the outbox
 * row was written when a `transaction` is given.
 */
@Injectable()
export class EventPublisher {
  private readonly clock = new IsoClock();

  constructor(
    @Inject(RESOLVED_EVENTS_OPTIONS) private readonly options: ResolvedEventsOptions,
    private readonly transport: AmqpEventsTransport,
    private readonly metrics: EventsMetrics,
    @Optional() @Inject(EVENTS_PERSISTENCE) private readonly persistence?: EventsPersistence,
    @Optional() private readonly delivery?: DeliveryWaiter,
  ) {}

  // Not `async`: the hot path builds one promise chain instead of three (same settling behaviour:
  // every failure, validation included, is a rejected promise, never a synchronous throw).
  publish<T = unknown, K extends EventType = EventType>(type: K, data: EventPayload<K, T>, options: PublishOptions = {}): Promise<PublishReceipt> {
    let prepared: PreparedEvent;
    try {
      prepared = this.prepare(type, data, options);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const id = prepared.envelope.id;
    if (options.transaction !== undefined) {
      return this.writeOutbox(options.transaction, [prepared]).then(() => ({ id, type, confirmed: false, outbox: true }));
    }
    if (options.waitForDelivery) {
      return this.sendAndWait(prepared, options).then(() => ({ id, type, confirmed: true, outbox: false }));
    }
    return this.send(prepared).then(() => ({ id, type, confirmed: true, outbox: false }));
  }

  /** Publishes several events; all are validated before any is sent. Resolves when all are confirmed. */
  async publishAll(items: readonly PublishItem[]): Promise<PublishReceipt[]> {
    if (!Array.isArray(items)) throw new EventValidationError('items', 'must be an array');
    const prepared = items.map((i) => this.prepare(i.type, i.data, i.options ?? {}));
    const tx = items.map((i) => i.options?.transaction);
    if (tx.some((t) => t !== undefined)) {
      if (!tx.every((t) => t === tx[0])) {
        throw new EventValidationError('transaction', 'publishAll() needs the same transaction for every item, or none');
      }
      await this.writeOutbox(tx[0], prepared);
      return prepared.map((p) => ({ id: p.envelope.id, type: p.envelope.type, confirmed: false, outbox: true }));
    }
    await Promise.all(prepared.map((p, i) => (items[i].options?.waitForDelivery ? this.sendAndWait(p, items[i].options!) : this.send(p))));
    return prepared.map((p) => ({ id: p.envelope.id, type: p.envelope.type, confirmed: true, outbox: false }));
  }

  /** Sends an already prepared (e.g. outbox-stored) event with confirms. */
  send(p: PreparedEvent): Promise<void> {
    const { envelope, content, delay } = p;
    let exchange = this.options.exchange;
    let wire;
    try {
      wire = encodeEnvelope(envelope, content);
      if (delay >= 1) {
        const route = delayRoute(this.options.exchange, delay, 'publish');
        Object.assign(wire.properties.headers, route.headers);
        exchange = route.exchange;
      }
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return this.transport.publisher
      .publish(exchange, envelope.type, wire.content, wire.properties)
      .then(() => this.metrics.published(envelope.type));
  }

  /** waitForDelivery: publish with this instance's reply address, settle on the first handler outcome. */
  private sendAndWait(p: PreparedEvent, options: PublishOptions): Promise<void> {
    if (!this.delivery) return Promise.reject(new EventsError('waitForDelivery needs the DeliveryWaiter provided by EventsModule'));
    return publishAndWait(this.delivery, p, deliveryTimeout(p.envelope.type, options)!, (x) => this.send(x));
  }

  private prepare(type: string, data: unknown, options: PublishOptions): PreparedEvent {
    if (options === null || typeof options !== 'object') throw new EventValidationError('options', 'must be an object', type);
    const { priority, delay } = validatePublish(type, options);
    const headers = validateHeaders(type, options.headers);
    deliveryTimeout(type, options); // validates waitForDelivery
    if (options.retry !== undefined) {
      try {
        resolveRetryPolicy('retry', options.retry, this.options.retry);
      } catch (e) {
        throw new EventValidationError('retry', (e as Error).message, type);
      }
    }
    const content = serializePayload(type, data, this.options.maxPayloadBytes);
    let traceparent = options.traceparent;
    let tracestate: string | undefined;
    if (!traceparent) {
      const active = trace.getActiveSpan();
      if (active) {
        const carrier: Record<string, string> = {};
        const span = tracer.startSpan(`${type} publish`, { kind: SpanKind.PRODUCER });
        propagation.inject(trace.setSpan(otelContext.active(), span), carrier);
        span.end();
        traceparent = carrier.traceparent;
        tracestate = carrier.tracestate;
      }
    }
    return {
      envelope: {
        id: options.id ?? randomUUID(),
        type,
        source: options.source ?? this.options.service,
        time: this.clock.now(),
        data,
        priority,
        correlationId: options.correlationId,
        causationId: options.causationId,
        traceparent,
        tracestate,
        attempt: 1,
        retry: options.retry,
        headers,
      },
      content,
      delay,
    };
  }

  private async writeOutbox(transaction: unknown, events: PreparedEvent[]): Promise<void> {
    if (!this.persistence) {
      throw new EventsError('publish(..., { transaction }) needs the outbox: configure EventsModule `persistence` (see docs/idempotency-and-outbox.md)');
    }
    await this.persistence.writeOutbox(transaction, events);
  }
}
