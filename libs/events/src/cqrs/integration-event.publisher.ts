import { Logger } from '@nestjs/common';
import type { AsyncContext, IEvent, IEventPublisher } from '@nestjs/cqrs';
import type { PublishItem, PublishReceipt } from '../interfaces/publish-options.interface.js';
import type { EventPublisher as AmqpEventPublisher } from '../publisher/event-publisher.js';
import { ambientPublishOptions, trackAmbientSend } from './ambient-publish-options.js';
import { integrationEventOf } from './integration-event.decorator.js';

/** Header on integration events sent by the bridge: the service whose EventBus already dispatched them. */
export const CQRS_ORIGIN_HEADER = 'x-cqrs-origin';

/**
 * The CQRS EventBus publisher installed by the bridge. Every event is dispatched locally by the
 * publisher it replaces (so `@EventsHandler`s and sagas of this process see it as before); events of
 * an `@IntegrationEvent` class are also sent to RabbitMQ, marked with this service as their origin.
 * Events received from RabbitMQ (`received`) are never sent again: no echo loops.
 *
 * `eventBus.publish()` returns the broker confirm as a promise (await it to know the event is
 * durable); a failure is also logged, so a caller that does not await loses nothing silently.
 */
export class IntegrationEventPublisher<E extends IEvent = IEvent> implements IEventPublisher<E> {
  private readonly logger = new Logger('EventsCqrsBridge');

  constructor(
    private readonly local: IEventPublisher<E>,
    private readonly events: AmqpEventPublisher,
    private readonly service: string,
    private readonly received: WeakSet<object>,
  ) {}

  publish<T extends E>(event: T, dispatcherContext?: unknown, asyncContext?: AsyncContext): unknown {
    const result: unknown = this.local.publish(event, dispatcherContext, asyncContext);
    return this.forward([event]) ?? result;
  }

  publishAll<T extends E>(events: T[], dispatcherContext?: unknown, asyncContext?: AsyncContext): unknown {
    let result: unknown;
    if (this.local.publishAll) result = this.local.publishAll(events, dispatcherContext, asyncContext);
    else result = events.map((e) => this.local.publish(e, dispatcherContext, asyncContext));
    return this.forward(events) ?? result;
  }

  private forward(events: readonly E[]): Promise<PublishReceipt[]> | undefined {
    const ambient = ambientPublishOptions();
    const items: PublishItem[] = [];
    for (const event of events) {
      const entry = integrationEventOf(event);
      if (!entry || this.received.has(event as object)) continue;
      items.push({
        type: entry.type,
        data: event,
        options: { ...ambient, headers: { ...ambient?.headers, [CQRS_ORIGIN_HEADER]: this.service } },
      });
    }
    if (items.length === 0) return undefined;
    const sent = this.events.publishAll(items);
    sent.catch((e: Error) =>
      this.logger.error(
        `integration event(s) ${items.map((i) => i.type).join(', ')} not sent to RabbitMQ: ${e.message}`,
        e.stack,
      ),
    );
    trackAmbientSend(sent);
    return sent;
  }
}
