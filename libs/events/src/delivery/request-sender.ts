import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DEFAULT_PRIORITY, HEADERS } from '../constants.js';
import type { EventsTransport } from '../transport/events-transport.js';
import { encodeEnvelope } from '../envelope/envelope.codec.js';
import { EventValidationError } from '../errors/event-validation.error.js';
import { NoRemoteHandlerError } from '../errors/no-remote-handler.error.js';
import { RemoteExecutionError } from '../errors/remote-execution.error.js';
import { UnroutableEventError } from '../errors/unroutable-event.error.js';
import type { HeaderValue } from '../interfaces/publish-options.interface.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { serializePayload, validateHeaders } from '../publisher/publish-validation.js';
import { eventTypeProblem } from '../routing/routing-pattern.js';
import type { DeliveryWaiter } from './delivery-waiter.js';
import { requestExchange, requestExchangeTopology } from './request-topology.js';
import { DEFAULT_DELIVERY_TIMEOUT_MS } from './wait-for-delivery.js';

export interface RequestOptions {
  /** How long to wait for the reply. @default 30000 */
  timeoutMs?: number;
  correlationId?: string;
  causationId?: string;
  headers?: Record<string, HeaderValue>;
}

/**
 * Caller side of request/reply: publishes a request (the event envelope, confirmed, mandatory) to
 * `{exchange}.commands` with this instance's reply address and waits for the handler's outcome.
 * Resolves with the result; rejects with RemoteExecutionError (the handler failed),
 * NoRemoteHandlerError (nobody serves the type: at once), DeliveryTimeoutError, or PublishError.
 * A request not taken within its timeout expires in the owner's queue (it is parked in its DLQ).
 */
export class RequestSender {
  private readonly logger = new Logger(RequestSender.name);
  private exchangeReady: Promise<void> | undefined;

  constructor(
    private readonly transport: EventsTransport,
    private readonly waiter: DeliveryWaiter,
    private readonly options: ResolvedEventsOptions,
  ) {}

  async request<R = unknown>(type: string, data: unknown, options: RequestOptions = {}): Promise<R> {
    const problem = eventTypeProblem(type);
    if (problem) throw new EventValidationError('request type', `${JSON.stringify(type)} ${problem}`);
    const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2 ** 31 - 1) {
      throw new EventValidationError(
        'timeoutMs',
        `must be a positive integer of ms, got ${JSON.stringify(options.timeoutMs)}`,
        type,
      );
    }
    const content = serializePayload(type, data, this.options.maxPayloadBytes);
    const headers = validateHeaders(type, options.headers);
    const [replyTo] = await Promise.all([this.waiter.address(), this.ensureExchange()]);
    const id = randomUUID();
    const wire = encodeEnvelope(
      {
        id,
        type,
        source: this.options.service,
        time: new Date().toISOString(),
        priority: DEFAULT_PRIORITY,
        correlationId: options.correlationId,
        causationId: options.causationId,
        attempt: 1,
        headers: { ...headers, [HEADERS.replyTo]: replyTo, [HEADERS.replyWithResult]: true },
      },
      content,
    );
    const expected = this.waiter.expect(id, type, timeoutMs);
    const exchange = requestExchange(this.options.exchange);
    try {
      await this.transport.publish(exchange, type, wire.content, {
        ...wire.properties,
        expiration: String(timeoutMs),
      });
    } catch (e) {
      expected.cancel();
      if (e instanceof UnroutableEventError) throw new NoRemoteHandlerError(exchange, type, id);
      throw e;
    }
    const outcome = await expected.promise;
    if (!outcome.ok) {
      const err = outcome.error ?? { name: 'Error', message: outcome.reason ?? 'failed' };
      throw new RemoteExecutionError(type, id, err.name, err.message, err.details);
    }
    return outcome.result as R;
  }

  /** Declares `{exchange}.commands` (and again after every reconnect): publishing to a missing exchange would fail. */
  private ensureExchange(): Promise<void> {
    if (!this.exchangeReady) {
      this.exchangeReady = this.transport.declare(requestExchangeTopology(this.options.exchange));
      this.exchangeReady.catch((e: Error) => {
        this.logger.warn(`could not declare ${requestExchange(this.options.exchange)}: ${e.message}`);
        this.exchangeReady = undefined;
      });
    }
    return this.exchangeReady;
  }
}
