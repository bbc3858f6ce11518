import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { EventBus, type IEvent } from '@nestjs/cqrs';
import { HandlerRegistrationError } from '../errors/handler-registration.error.js';
import { NonRetryableError } from '../errors/non-retryable.error.js';
import type { EventContext } from '../interfaces/event-context.interface.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { EventsRuntime } from '../runtime/events-runtime.js';
import { handlerNames } from '../runtime/handler-names.js';
import { buildRegistration, type HandlerInput } from '../runtime/handler-registration.builder.js';
import { runWithPublishOptions } from './ambient-publish-options.js';
import {
  CQRS_EVENTS_HANDLER_METADATA,
  CQRS_SAGA_METADATA,
  EVENTS_CQRS_OPTIONS,
  type EventsCqrsOptions,
} from './cqrs-metadata.js';
import {
  integrationEventByType,
  integrationEventTypes,
  type IntegrationEventEntry,
} from './cqrs-registry.js';
import { INTEGRATION_EVENT_METADATA } from './integration-event.decorator.js';
import { CQRS_ORIGIN_HEADER, IntegrationEventPublisher } from './integration-event.publisher.js';
import { rebuildMessage } from './message-rebuild.js';
import { sagaOnlyClass } from './saga-only-event.js';

type EventHandlerInstance = { handle: (event: IEvent) => unknown };

/**
 * Bridges the CQRS EventBus and RabbitMQ. Outgoing: installs IntegrationEventPublisher (local dispatch
 * as before, plus RabbitMQ for `@IntegrationEvent` classes). Incoming: each `@EventsHandler` class of
 * integration events gets its own queue `{service}.{Class}` and is called by the delivery processor,
 * so its failures go through retries and the DLQ like `@OnEvent` handlers; sagas get the events on
 * the EventBus stream from one queue `{service}.Sagas`. Events this service published itself were
 * dispatched in-process by the publishing instance, so every copy coming back is acked unhandled.
 */
@Injectable()
export class CqrsEventsBridge implements OnApplicationBootstrap {
  /** Events that came from RabbitMQ: never sent out again. */
  private readonly received = new WeakSet<object>();

  private readonly options: ResolvedEventsOptions;

  constructor(
    private readonly eventBus: EventBus,
    private readonly runtime: EventsRuntime,
    @Inject(EVENTS_CQRS_OPTIONS) private readonly cqrsOptions: EventsCqrsOptions,
    private readonly discovery: DiscoveryService,
  ) {
    this.options = runtime.options;
    // installed at construction, before any onModuleInit could publish
    eventBus.publisher = new IntegrationEventPublisher(
      eventBus.publisher,
      runtime.publisher,
      this.options.service,
      this.received,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.cqrsOptions.consume === false || !this.options.consume) return;
    const handlers = this.discoverHandlers();
    const sagas = this.sagaHandler();
    const all: HandlerInput[] = handlers.map((h) => h.input);
    if (sagas) all.push(sagas);
    // subscribed here, not by EventsModule: this module's hook runs after CqrsModule registered sagas and handlers
    await this.runtime.subscribe(all.map((h) => buildRegistration(h, this.options)));
  }

  private discoverHandlers(): Array<{ instance: EventHandlerInstance; input: HandlerInput }> {
    const out: Array<{ instance: EventHandlerInstance; input: HandlerInput }> = [];
    const seen = new Set<object>();
    for (const wrapper of this.discovery.getProviders()) {
      const metatype = wrapper.metatype as (abstract new (...a: never[]) => object) | undefined | null;
      if (!metatype || typeof metatype !== 'function' || wrapper.isAlias) continue;
      const handled = Reflect.getMetadata(CQRS_EVENTS_HANDLER_METADATA, metatype) as unknown[] | undefined;
      const entries = (handled ?? [])
        .map((e) =>
          typeof e === 'function'
            ? (Reflect.getOwnMetadata(INTEGRATION_EVENT_METADATA, e) as IntegrationEventEntry | undefined)
            : undefined,
        )
        .filter((e): e is IntegrationEventEntry => e !== undefined);
      if (entries.length === 0) continue;
      const name = `${metatype.name}.handle`;
      if (!wrapper.isDependencyTreeStatic()) {
        throw new HandlerRegistrationError(
          name,
          'a request-scoped @EventsHandler cannot receive integration events; make it a singleton',
        );
      }
      const instance = wrapper.instance as EventHandlerInstance | undefined;
      if (!instance || seen.has(instance)) continue;
      seen.add(instance);
      const handle = instance.handle.bind(instance);
      const byType = new Map(entries.map((e) => [e.type, e]));
      out.push({
        instance,
        input: {
          name,
          defaultQueue: handlerNames.cqrsHandler(this.options.service, metatype.name),
          patterns: [...byType.keys()],
          options: {},
          invoke: (data, ctx) => this.deliver(data, ctx, byType, handle),
        },
      });
    }
    return out;
  }

  /** One queue feeding received integration events to the EventBus stream, when the app has sagas. */
  private sagaHandler(): HandlerInput | undefined {
    const hasSagas = this.discovery
      .getProviders()
      .some((w) => w.metatype && Reflect.getMetadata(CQRS_SAGA_METADATA, w.metatype));
    const types = integrationEventTypes();
    if (!hasSagas || types.length === 0) return undefined;
    return {
      name: 'EventBus.sagas',
      defaultQueue: handlerNames.cqrsSagas(this.options.service),
      patterns: types,
      options: {},
      // handlers got the event from their own queues: the sagas get a copy no handler matches
      invoke: (data, ctx) =>
        this.deliver(data, ctx, undefined, (event) => this.eventBus.subject$.next(event), sagaOnlyClass),
    };
  }

  private deliver(
    data: unknown,
    ctx: EventContext,
    byType: Map<string, IntegrationEventEntry> | undefined,
    run: (event: IEvent) => unknown,
    classFor: (target: IntegrationEventEntry['target']) => IntegrationEventEntry['target'] = (t) => t,
  ): unknown {
    if (ctx.headers[CQRS_ORIGIN_HEADER] === this.options.service) return undefined; // dispatched where it was published
    const entry = byType?.get(ctx.type) ?? integrationEventByType(ctx.type);
    if (!entry)
      throw new NonRetryableError(
        `no @IntegrationEvent class for "${ctx.type}" in service "${this.options.service}"`,
      );
    const event = rebuildMessage(classFor(entry.target), data, entry.dates, ctx.type);
    this.received.add(event);
    return runWithPublishOptions({ correlationId: ctx.correlationId ?? ctx.id, causationId: ctx.id }, () =>
      run(event),
    );
  }
}
