import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { AmqpEventsTransport } from '../amqp/amqp-events.transport.js';
import { RESOLVED_EVENTS_OPTIONS } from '../constants.js';
import type { HandlerRegistration } from '../consumer/handler-registration.js';
import { subscribeHandlers, type IntegrationHandler } from '../consumer/handler-subscription.js';
import { requestInvoker } from '../delivery/request-invoker.js';
import { requestQueue, requestQueueTopology } from '../delivery/request-topology.js';
import { HandlerRegistrationError } from '../errors/handler-registration.error.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import { EventsMetrics } from '../observability/events-metrics.js';
import { resolveRetryPolicy } from '../options/resolve-options.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { EventPublisher as AmqpEventPublisher } from '../publisher/event-publisher.js';
import { runWithPublishOptions } from './ambient-publish-options.js';
import { CQRS_COMMAND_HANDLER_METADATA, CQRS_QUERY_HANDLER_METADATA, EVENTS_CQRS_OPTIONS, type EventsCqrsOptions } from './cqrs-metadata.js';
import { remoteRequests, type RemoteRequestEntry } from './cqrs-registry.js';
import { rebuildMessage } from './message-rebuild.js';

/**
 * Owner side of remote commands and queries: for every `@RemoteCommand`/`@RemoteQuery` owned by this
 * service (and handled here by a `@CommandHandler`/`@QueryHandler`), consumes `{service}.rpc.{type}`
 * (bound on `{exchange}.commands`), rebuilds the message, runs it on the local CommandBus/QueryBus and
 * replies with the result or the error. Instances of the service compete on the queue.
 */
@Injectable()
export class RemoteRequestServer implements OnApplicationBootstrap {
  private readonly logger = new Logger('EventsCqrsBridge');

  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly events: AmqpEventPublisher,
    private readonly transport: AmqpEventsTransport,
    @Inject(RESOLVED_EVENTS_OPTIONS) private readonly options: ResolvedEventsOptions,
    @Inject(EVENTS_CQRS_OPTIONS) private readonly cqrsOptions: EventsCqrsOptions,
    private readonly metrics: EventsMetrics,
    private readonly discovery: DiscoveryService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.cqrsOptions.consume === false || !this.options.consume) return;
    const handled = this.handledClasses();
    const handlers: IntegrationHandler[] = [];
    for (const entry of remoteRequests()) {
      if (entry.service !== this.options.service) continue;
      if (!handled.has(entry.target)) {
        this.logger.warn(`${entry.target.name} ("${entry.type}") is owned by "${entry.service}" but no handler for it is registered here; not consuming it`);
        continue;
      }
      const reg = this.registration(entry);
      this.logger.log(`${reg.name} ← ${entry.type} [${reg.queue}]`);
      handlers.push({ reg, extraTopology: requestQueueTopology(this.options.exchange, reg.queue, [entry.type]) });
    }
    await subscribeHandlers(this.transport, this.options, this.metrics, this.events.publish.bind(this.events), handlers);
  }

  private registration(entry: RemoteRequestEntry): HandlerRegistration {
    const name = `${entry.kind === 'command' ? 'CommandBus' : 'QueryBus'}(${entry.target.name})`;
    const execute = entry.kind === 'command' ? (m: object) => this.commandBus.execute(m) : (m: object) => this.queryBus.execute(m);
    const run = async (data: unknown, ctx: { id: string; correlationId?: string }) => {
      const message = rebuildMessage(entry.target, data, entry.dates, entry.type);
      return runWithPublishOptions({ correlationId: ctx.correlationId ?? ctx.id, causationId: ctx.id }, () => execute(message));
    };
    return {
      name,
      queue: requestQueue(this.options.service, entry.type),
      patterns: [],
      options: {},
      retry: this.policy(entry, name),
      prefetch: this.options.prefetch,
      invoke: requestInvoker(name, run, this.options.nonRetryableErrors),
    };
  }

  private policy(entry: RemoteRequestEntry, name: string): RetryPolicy {
    if (entry.retry === undefined) return { ...this.options.retry, maxAttempts: 1 };
    if (entry.retry === true) return this.options.retry;
    if (entry.retry === false) return { ...this.options.retry, maxAttempts: 1 };
    try {
      return resolveRetryPolicy('retry', entry.retry, this.options.retry);
    } catch (e) {
      throw new HandlerRegistrationError(name, (e as Error).message);
    }
  }

  /** Command and query classes that have a handler in this application. */
  private handledClasses(): Set<unknown> {
    const out = new Set<unknown>();
    for (const w of this.discovery.getProviders()) {
      if (!w.metatype || typeof w.metatype !== 'function') continue;
      for (const key of [CQRS_COMMAND_HANDLER_METADATA, CQRS_QUERY_HANDLER_METADATA]) {
        const target: unknown = Reflect.getMetadata(key, w.metatype);
        if (target) out.add(target);
      }
    }
    return out;
  }
}
