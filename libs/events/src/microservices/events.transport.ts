import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom, type Observable } from 'rxjs';
import { requestInvoker } from '../delivery/request-invoker.js';
import { requestQueueTopology } from '../delivery/request-topology.js';
import { HandlerRegistrationError } from '../errors/handler-registration.error.js';
import type { EventContext } from '../interfaces/event-context.interface.js';
import { resolveOptions } from '../options/resolve-options.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { eventTypeProblem } from '../routing/routing-pattern.js';
import { createEventsRuntime, type EventsRuntime } from '../runtime/events-runtime.js';
import { handlerNames } from '../runtime/handler-names.js';
import { buildRegistration, type HandlerInput } from '../runtime/handler-registration.builder.js';
import { EventsRpcContext } from './events-rpc.context.js';
import type {
  EventPatternExtras,
  EventsTransportOptions,
  MessagePatternExtras,
} from './events-transport.options.js';
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
  private runtime: EventsRuntime | undefined;

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
    await this.runtime?.stop(this.resolved.shutdownTimeoutMs);
    this.runtime = undefined;
    this._status$.next('disconnected');
  }

  on(): never {
    throw new Error(
      'EventsTransport has no client events to listen to; use its logs and EventsHealthIndicator-style status()',
    );
  }

  /** The bus runtime (its `publisher`, `transport`, `metrics`). */
  unwrap<T>(): T {
    if (!this.runtime) throw new Error('EventsTransport is not listening yet');
    return this.runtime as T;
  }

  private async start(): Promise<void> {
    const handlers = [...this.messageHandlers.entries()].map(([pattern, handler]) =>
      buildRegistration(
        handler.isEventHandler ? this.eventHandler(pattern, handler) : this.requestHandler(pattern, handler),
        this.resolved,
      ),
    );
    const runtime = await createEventsRuntime(this.resolved);
    this.runtime = runtime;
    try {
      await runtime.start();
      if (this.resolved.consume) await runtime.subscribe(handlers);
      this._status$.next('connected');
    } catch (e) {
      await runtime.stop(0).catch(() => undefined);
      this.runtime = undefined;
      throw e;
    }
  }

  private eventHandler(pattern: string, handler: MessageHandler): HandlerInput {
    const extras = (handler.extras ?? {}) as EventPatternExtras;
    return {
      name: `@EventPattern(${pattern})`,
      patterns: [pattern],
      defaultQueue: handlerNames.eventPattern(this.resolved.service, pattern),
      options: {
        queue: extras.queue,
        retry: extras.retry,
        prefetch: extras.prefetch,
        ordered: extras.ordered,
      },
      invoke: async (data, ctx) => {
        try {
          await this.run(pattern, handler, data, ctx);
        } catch (e) {
          throw toProcessorError(e);
        }
      },
      wrap: acceptNestRmqFormat,
    };
  }

  private requestHandler(pattern: string, handler: MessageHandler): HandlerInput {
    const name = `@MessagePattern(${pattern})`;
    const problem = eventTypeProblem(pattern);
    if (problem)
      throw new HandlerRegistrationError(
        name,
        `the pattern ${problem} (request patterns are exact, no wildcards)`,
      );
    const extras = (handler.extras ?? {}) as MessagePatternExtras;
    const queue = extras.queue ?? handlerNames.request(this.resolved.service, pattern);
    return {
      name,
      patterns: [],
      allowNoPatterns: true,
      defaultQueue: queue,
      // requests are not retried unless marked safe to (`retry: true` = the transport's policy)
      options: {
        queue: extras.queue,
        prefetch: extras.prefetch,
        retry: extras.retry === true ? undefined : extras.retry === false ? false : extras.retry,
      },
      defaultRetry: extras.retry === true ? 'module' : 'none',
      invoke: requestInvoker(
        name,
        (data, ctx) => this.run(pattern, handler, data, ctx),
        this.resolved.nonRetryableErrors,
        describeRpcError,
        isPermanentRpcError,
      ),
      extraTopology: requestQueueTopology(this.resolved.exchange, queue, [pattern]),
      wrap: acceptNestRmqFormat,
    };
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
          const value = isObservable(result)
            ? await lastValueFrom(result as Observable<unknown>, { defaultValue: undefined })
            : result;
          resolve(value);
        } catch (e) {
          reject(e);
        } finally {
          runEndHook();
        }
      });
    });
  }
}
