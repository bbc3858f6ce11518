import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { requestInvoker } from '../delivery/request-invoker.js';
import { requestQueueTopology } from '../delivery/request-topology.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { EventsRuntime } from '../runtime/events-runtime.js';
import { handlerNames } from '../runtime/handler-names.js';
import { buildRegistration, type HandlerInput } from '../runtime/handler-registration.builder.js';
import { runWithPublishOptions } from './ambient-publish-options.js';
import {
  CQRS_COMMAND_HANDLER_METADATA,
  CQRS_QUERY_HANDLER_METADATA,
  EVENTS_CQRS_OPTIONS,
  type EventsCqrsOptions,
} from './cqrs-metadata.js';
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

  private readonly options: ResolvedEventsOptions;

  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly runtime: EventsRuntime,
    @Inject(EVENTS_CQRS_OPTIONS) private readonly cqrsOptions: EventsCqrsOptions,
    private readonly discovery: DiscoveryService,
  ) {
    this.options = runtime.options;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.cqrsOptions.consume === false || !this.options.consume) return;
    const handled = this.handledClasses();
    const handlers: HandlerInput[] = [];
    for (const entry of remoteRequests()) {
      if (entry.service !== this.options.service) continue;
      if (!handled.has(entry.target)) {
        this.logger.warn(
          `${entry.target.name} ("${entry.type}") is owned by "${entry.service}" but no handler for it is registered here; not consuming it`,
        );
        continue;
      }
      handlers.push(this.registration(entry));
    }
    await this.runtime.subscribe(handlers.map((h) => buildRegistration(h, this.options)));
  }

  private registration(entry: RemoteRequestEntry): HandlerInput {
    const name = `${entry.kind === 'command' ? 'CommandBus' : 'QueryBus'}(${entry.target.name})`;
    const execute =
      entry.kind === 'command'
        ? (m: object) => this.commandBus.execute(m)
        : (m: object) => this.queryBus.execute(m);
    const run = async (data: unknown, ctx: { id: string; correlationId?: string }) => {
      const message = rebuildMessage(entry.target, data, entry.dates, entry.type);
      return runWithPublishOptions({ correlationId: ctx.correlationId ?? ctx.id, causationId: ctx.id }, () =>
        execute(message),
      );
    };
    const queue = handlerNames.request(this.options.service, entry.type);
    return {
      name,
      patterns: [],
      allowNoPatterns: true,
      defaultQueue: queue,
      // requests are not retried unless marked safe to (`retry: true` = the module's policy)
      options: { retry: entry.retry === true || entry.retry === undefined ? undefined : entry.retry },
      defaultRetry: entry.retry === true ? 'module' : 'none',
      invoke: requestInvoker(name, run, this.options.nonRetryableErrors),
      extraTopology: requestQueueTopology(this.options.exchange, queue, [entry.type]),
    };
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
