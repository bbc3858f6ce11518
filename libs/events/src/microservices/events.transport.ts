import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom, type Observable } from 'rxjs';
import { AmqpEventsTransport } from '../amqp/amqp-events.transport.js';
import type { HandlerRegistration } from '../consumer/handler-registration.js';
import { DeliveryWaiter } from '../delivery/delivery-waiter.js';
import { subscribeHandlers, type IntegrationHandler } from '../consumer/handler-subscription.js';
import { requestInvoker } from '../delivery/request-invoker.js';
import { requestQueue, requestQueueTopology } from '../delivery/request-topology.js';
import { HandlerRegistrationError } from '../errors/handler-registration.error.js';
import type { EventContext } from '../interfaces/event-context.interface.js';
import { EventsMetrics } from '../observability/events-metrics.js';
import { resolveOptions, resolveRetryPolicy } from '../options/resolve-options.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { EventPublisher } from '../publisher/event-publisher.js';
import { eventTypeProblem, patternProblem } from '../routing/routing-pattern.js';
import { EventsRpcContext } from './events-rpc.context.js';
import type { EventPatternExtras, EventsTransportOptions, MessagePatternExtras } from './events-transport.options.js';
import { acceptNestRmqFormat } from './nest-rmq-format.js';
import { describeRpcError, isPermanentRpcError, toProcessorError } from './rpc-error.js';

/**
 * A @nestjs/microservices transport over this library's topology: `app.connectMicroservice({ strategy:
 * new EventsTransport(options) })` or `NestFactory.createMicroservice(AppModule, { strategy })`.
 * Every `@EventPattern` gets its own queue bound on the topic exchange (wildcards included), with the
 * retry/dead-letter pipeline of `@OnEvent` handlers; every `@MessagePattern` a request queue on
 * `{exchange}.commands`, answering `EventsClient.send()` (or Nest's RMQ client). Pipes, guards,
 * interceptors and exception filters run as Nest applies them to any transport.
 */
export class EventsTransport extends Server implements CustomTransportStrategy {
  override readonly propagatesEventHandlerErrors = true;
  private readonly log = new Logger('EventsMicroservice');
  private readonly resolved: ResolvedEventsOptions;
  private amqp: AmqpEventsTransport | undefined;
  private waiter: DeliveryWaiter | undefined;

  constructor(options: EventsTransportOptions) {
    super();
    this.resolved = resolveOptions(options); // invalid options fail here, naming the option
  }

  listen(callback: (err?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (e: unknown) => callback(e),
    );
  }

  async close(): Promise<void> {
    this.waiter?.beforeApplicationShutdown();
    await this.amqp?.stop(this.resolved.shutdownTimeoutMs);
    this.amqp = undefined;
    this._status$.next('disconnected');
  }

  on(): never {
    throw new Error('EventsTransport has no client events to listen to; use its logs and EventsHealthIndicator-style status()');
  }

  unwrap<T>(): T {
    if (!this.amqp) throw new Error('EventsTransport is not listening yet');
    return this.amqp as T;
  }

  private async start(): Promise<void> {
    const handlers = [...this.messageHandlers.entries()].map(([pattern, handler]) =>
      handler.isEventHandler ? this.eventHandler(pattern, handler) : this.requestHandler(pattern, handler),
    );
    const amqp = new AmqpEventsTransport(this.resolved);
    this.amqp = amqp;
    try {
      await amqp.start();
      this.waiter = new DeliveryWaiter(amqp, this.resolved);
      const metrics = new EventsMetrics(this.resolved.service);
      const publisher = new EventPublisher(this.resolved, amqp, metrics, undefined, this.waiter);
      for (const { reg } of handlers) this.log.log(`${reg.name} [${reg.queue}]`);
      if (this.resolved.consume) await subscribeHandlers(amqp, this.resolved, metrics, publisher.publish.bind(publisher), handlers);
      this._status$.next('connected');
    } catch (e) {
      await amqp.stop(0).catch(() => undefined);
      this.amqp = undefined;
      throw e;
    }
  }

  private eventHandler(pattern: string, handler: MessageHandler): IntegrationHandler {
    const name = `@EventPattern(${pattern})`;
    const problem = patternProblem(pattern);
    if (problem) throw new HandlerRegistrationError(name, `the pattern ${problem} (EventsTransport routes string patterns)`);
    const extras = (handler.extras ?? {}) as EventPatternExtras;
    const queue = extras.queue ?? `${this.resolved.service}.${pattern.replace(/\*/g, 'star').replace(/#/g, 'hash')}`;
    const retry = extras.retry === false ? { ...this.resolved.retry, maxAttempts: 1 } : extras.retry ? this.policy(name, extras.retry) : undefined;
    const reg: HandlerRegistration = {
      name,
      queue,
      patterns: [pattern],
      options: { ordered: extras.ordered },
      retry,
      prefetch: extras.prefetch ?? this.resolved.prefetch,
      invoke: async (data, ctx) => {
        try {
          await this.run(pattern, handler, data, ctx);
        } catch (e) {
          throw toProcessorError(e);
        }
      },
    };
    return { reg, wrap: acceptNestRmqFormat };
  }

  private requestHandler(pattern: string, handler: MessageHandler): IntegrationHandler {
    const name = `@MessagePattern(${pattern})`;
    const problem = eventTypeProblem(pattern);
    if (problem) throw new HandlerRegistrationError(name, `the pattern ${problem} (request patterns are exact, no wildcards)`);
    const extras = (handler.extras ?? {}) as MessagePatternExtras;
    const queue = extras.queue ?? requestQueue(this.resolved.service, pattern);
    const retry =
      extras.retry === true ? this.resolved.retry : extras.retry ? this.policy(name, extras.retry) : { ...this.resolved.retry, maxAttempts: 1 };
    const reg: HandlerRegistration = {
      name,
      queue,
      patterns: [],
      options: {},
      retry,
      prefetch: extras.prefetch ?? this.resolved.prefetch,
      invoke: requestInvoker(name, (data, ctx) => this.run(pattern, handler, data, ctx), this.resolved.nonRetryableErrors, describeRpcError, isPermanentRpcError),
    };
    return { reg, extraTopology: requestQueueTopology(this.resolved.exchange, queue, [pattern]), wrap: acceptNestRmqFormat };
  }

  /**
   * Runs a Nest handler (its pipes, guards, interceptors and filters included) between the processing
   * hooks and resolves with its last value; rejects with what its exception filters produced.
   */
  private run(pattern: string, handler: MessageHandler, data: unknown, ctx: EventContext): Promise<unknown> {
    const rpcContext = new EventsRpcContext([ctx, pattern]);
    return new Promise<unknown>((resolve, reject) => {
      this.runWithProcessingHooks(rpcContext, async (runEndHook) => {
        try {
          const result: unknown = await handler(data, rpcContext);
          const value = isObservable(result) ? await lastValueFrom(result as Observable<unknown>, { defaultValue: undefined }) : result;
          resolve(value);
        } catch (e) {
          reject(e);
        } finally {
          runEndHook();
        }
      });
    });
  }

  private policy(name: string, retry: Parameters<typeof resolveRetryPolicy>[1]) {
    try {
      return resolveRetryPolicy('retry', retry, this.resolved.retry);
    } catch (e) {
      throw new HandlerRegistrationError(name, (e as Error).message);
    }
  }
}
