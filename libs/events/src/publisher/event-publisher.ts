import { randomUUID } from 'node:crypto';
import { context as otelContext, propagation, SpanKind, trace } from '@opentelemetry/api';
import { EventsError } from '../errors/events.error.js';
import { encodeEnvelope } from '../envelope/envelope.codec.js';
import { IsoClock } from '../envelope/iso-clock.js';
import type { WireFormat } from '../envelope/envelope.js';
import type { EventPayload, EventType } from '../interfaces/event-map.interface.js';
import type { PublishItem, PublishOptions, PublishReceipt } from '../interfaces/publish-options.interface.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { resolveRetryPolicy } from '../options/resolve-options.js';
import { EventValidationError } from '../errors/event-validation.error.js';
import type { EventsMetrics } from '../observability/events-metrics.js';
import type { EventsPersistence, PreparedEvent } from '../persistence-seam.js';
import type { EventsTransport } from '../transport/events-transport.js';
import type { RuntimeObservers } from '../runtime/runtime-observer.js';
import { serializePayload, validateHeaders, validatePublish } from './publish-validation.js';
import type { DeliveryWaiter } from '../delivery/delivery-waiter.js';
import { ENCRYPTED_CONTENT_TYPE, ENCRYPTION_KEY_HEADER, PayloadCipher } from '../runtime/payload-cipher.js';
import { PublishRateLimiter } from '../runtime/publish-rate-limiter.js';
import type { OutboundProperties } from '../transport/events-transport.js';
import { deliveryTimeout, publishAndWait } from '../delivery/wait-for-delivery.js';

const tracer = trace.getTracer('nestjs-amqp-events');

/** What a publisher needs from its bus (built by `createEventsRuntime`). */
export interface PublisherDeps {
  options: ResolvedEventsOptions;
  transport: EventsTransport;
  metrics: EventsMetrics;
  persistence?: EventsPersistence;
  waiter?: DeliveryWaiter;
  observers?: RuntimeObservers;
  /** Resolves once the bus is connected and its own queues are declared (first publish waits for it). */
  ready?: () => Promise<void>;
}

/**
 * Publishes events to the topic exchange with publisher confirms. `publish()` resolves only after the
 * broker confirmed the event (persistent, routed or kept in `{exchange}.unrouted`), or after the outbox
 * row was written when a `transaction` is given. Inject it (`EventPublisher`, or
 * `@InjectEventPublisher(name)` for a named bus); one instance per bus.
 */
export class EventPublisher {
  private readonly clock = new IsoClock();
  private readonly options: ResolvedEventsOptions;
  private isReady: boolean;
  private readonly limiter: PublishRateLimiter | undefined;
  /** @internal Current schema version of an event type (set by the event-sourcing module's upcasters). */
  schemaVersionOf: ((type: string) => number) | undefined;
  private readonly cipher: PayloadCipher | undefined;
  /** `cloudEvents: 'headers'` also writes the CloudEvents AMQP binding's headers. */
  private readonly format: WireFormat;

  constructor(private readonly deps: PublisherDeps) {
    this.options = deps.options;
    this.isReady = deps.ready === undefined;
    this.limiter = deps.options.rateLimit ? new PublishRateLimiter(deps.options.rateLimit) : undefined;
    this.cipher = deps.options.encryption ? new PayloadCipher(deps.options.encryption) : undefined;
    this.format = { cloudEventsHeaders: deps.options.cloudEvents === 'headers', userId: deps.options.userId };
  }

  /** Name of the bus this publisher sends on. */
  get bus(): string {
    return this.options.name;
  }

  // Not `async`: the hot path builds one promise chain instead of three (same settling behaviour:
  // every failure, validation included, is a rejected promise, never a synchronous throw).
  publish<T = unknown, K extends EventType = EventType>(
    type: K,
    data: EventPayload<K, T>,
    options: PublishOptions = {},
  ): Promise<PublishReceipt> {
    let prepared: PreparedEvent;
    try {
      prepared = this.prepare(type, data, options);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const id = prepared.envelope.id;
    if (options.transaction !== undefined) {
      return this.writeOutbox(options.transaction, [prepared], [options]).then(() => ({
        id,
        type,
        confirmed: false,
        outbox: true,
      }));
    }
    if (options.waitForDelivery) {
      return this.sendAndWait(prepared, options).then(() => ({ id, type, confirmed: true, outbox: false }));
    }
    if (this.isReady && this.limiter === undefined && !this.deps.observers?.active) {
      // the usual case: one promise chain from the broker's confirm to the receipt
      return this.dispatch(prepared).then(() => {
        this.deps.metrics.published(type);
        return { id, type, confirmed: true, outbox: false };
      });
    }
    return this.sendObserved(prepared, options).then(() => ({ id, type, confirmed: true, outbox: false }));
  }

  /** Publishes several events; all are validated before any is sent. Resolves when all are confirmed. */
  async publishAll(items: readonly PublishItem[]): Promise<PublishReceipt[]> {
    if (!Array.isArray(items)) throw new EventValidationError('items', 'must be an array');
    const prepared = items.map((i) => this.prepare(i.type, i.data, i.options ?? {}));
    const tx = items.map((i) => i.options?.transaction);
    if (tx.some((t) => t !== undefined)) {
      if (!tx.every((t) => t === tx[0])) {
        throw new EventValidationError(
          'transaction',
          'publishAll() needs the same transaction for every item, or none',
        );
      }
      await this.writeOutbox(
        tx[0],
        prepared,
        items.map((i) => i.options ?? {}),
      );
      return prepared.map((p) => ({
        id: p.envelope.id,
        type: p.envelope.type,
        confirmed: false,
        outbox: true,
      }));
    }
    await Promise.all(
      prepared.map((p, i) =>
        items[i].options?.waitForDelivery
          ? this.sendAndWait(p, items[i].options!)
          : this.sendObserved(p, items[i].options ?? {}),
      ),
    );
    return prepared.map((p) => ({
      id: p.envelope.id,
      type: p.envelope.type,
      confirmed: true,
      outbox: false,
    }));
  }

  /** Sends an already prepared (e.g. outbox-stored) event with confirms. */
  send(p: PreparedEvent): Promise<void> {
    if (!this.isReady) {
      return this.deps.ready!().then(() => {
        this.isReady = true;
        return this.send(p);
      });
    }
    const type = p.envelope.type;
    return this.dispatch(p).then(() => this.deps.metrics.published(type));
  }

  /** Encodes (and seals, with encryption) a prepared event and hands it to the transport. */
  private dispatch(p: PreparedEvent): Promise<void> {
    const { envelope, content, delay } = p;
    let wire;
    try {
      wire = encodeEnvelope(envelope, content, this.format);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    let body = wire.content;
    let properties: OutboundProperties = wire.properties;
    if (this.cipher?.applies(envelope.type)) {
      const sealed = this.cipher.seal(body, envelope.id, envelope.type);
      body = sealed.content;
      properties = {
        ...properties,
        contentType: ENCRYPTED_CONTENT_TYPE,
        headers: { ...wire.properties.headers, [ENCRYPTION_KEY_HEADER]: sealed.keyId },
      };
    }
    return this.deps.transport.publish(this.options.exchange, envelope.type, body, properties, delay);
  }

  private sendObserved(p: PreparedEvent, options: PublishOptions): Promise<void> {
    const observers = this.deps.observers;
    if (observers?.active)
      observers.published({ envelope: p.envelope, options, delay: p.delay, outbox: false });
    const slot = this.limiter?.acquire(p.envelope.type);
    return slot ? slot.then(() => this.send(p)) : this.send(p);
  }

  /** waitForDelivery: publish with this instance's reply address, settle on the first handler outcome. */
  private sendAndWait(p: PreparedEvent, options: PublishOptions): Promise<void> {
    const waiter = this.deps.waiter;
    if (!waiter)
      return Promise.reject(new EventsError('waitForDelivery needs the reply waiter of an EventsModule bus'));
    return publishAndWait(waiter, p, deliveryTimeout(p.envelope.type, options)!, (x) =>
      this.sendObserved(x, options),
    );
  }

  private prepare(type: string, data: unknown, options: PublishOptions): PreparedEvent {
    if (options === null || typeof options !== 'object')
      throw new EventValidationError('options', 'must be an object', type);
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
        const span = tracer.startSpan(`${type} publish`, {
          kind: SpanKind.PRODUCER,
          attributes: {
            'messaging.system': this.deps.transport.kind === 'amqp' ? 'rabbitmq' : 'memory',
            'messaging.operation': 'publish',
            'messaging.destination.name': this.options.exchange,
            'messaging.rabbitmq.destination.routing_key': type,
          },
        });
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
        schemaVersion: positiveVersion(options.schemaVersion ?? this.schemaVersionOf?.(type)),
      },
      content,
      delay,
    };
  }

  private async writeOutbox(
    transaction: unknown,
    events: PreparedEvent[],
    options: PublishOptions[],
  ): Promise<void> {
    if (!this.deps.persistence) {
      throw new EventsError(
        'publish(..., { transaction }) needs the outbox: configure EventsModule `persistence` (see docs/idempotency-and-outbox.md)',
      );
    }
    await this.deps.persistence.writeOutbox(transaction, events);
    const observers = this.deps.observers;
    if (observers?.active)
      events.forEach((p, i) =>
        observers.published({ envelope: p.envelope, options: options[i], delay: p.delay, outbox: true }),
      );
  }
}

function positiveVersion(v: number | undefined): number | undefined {
  return v !== undefined && Number.isInteger(v) && v > 1 ? v : undefined;
}
