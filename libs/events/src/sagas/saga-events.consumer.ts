import { Inject, Injectable } from '@nestjs/common';
import { OnEvent } from '../decorators/on-event.decorator.js';
import type { EventContext } from '../interfaces/event-context.interface.js';
import { SAGA_DELIVERY_RETRY, SAGA_EVENTS_QUEUE } from './saga-messages.js';
import { SagaAwaitHandler } from './saga-await.handler.js';

/** The consumer class's shape (one class per SagasModule.forRoot, subscribed to its awaited types). */
export type SagaEventsConsumerClass = new (handler: SagaAwaitHandler) => {
  handle(data: unknown, ctx: EventContext): Promise<void>;
};

/**
 * Builds the consumer of the event types `awaitEvents` steps wait for (known only at forRoot time, so the
 * decorators are applied here), on the queue `{service}.sagas-events`.
 */
export function createSagaEventsConsumer(types: string[]): SagaEventsConsumerClass {
  class SagaEventsConsumer {
    constructor(private readonly handler: SagaAwaitHandler) {}

    handle(data: unknown, ctx: EventContext): Promise<void> {
      return this.handler.onEvent(ctx.type, ctx.correlationId, data);
    }
  }
  Injectable()(SagaEventsConsumer);
  Inject(SagaAwaitHandler)(SagaEventsConsumer, undefined, 0);
  OnEvent(types, { queue: SAGA_EVENTS_QUEUE, retry: SAGA_DELIVERY_RETRY })(SagaEventsConsumer);
  return SagaEventsConsumer;
}
