import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { RESOLVED_EVENTS_OPTIONS } from '../constants.js';
import { OnEvent } from '../decorators/on-event.decorator.js';
import { NonRetryableError } from '../errors/non-retryable.error.js';
import type { EventContext } from '../interfaces/event-context.interface.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { EventScheduler } from './event-scheduler.js';
import {
  isStepMessage,
  isTickMessage,
  SAGA_DELIVERY_RETRY,
  SAGA_QUEUE,
  STEP_TYPE_PATTERN,
  stepType,
  TICK_TYPE_PATTERN,
  tickType,
} from './saga-messages.js';
import { SagaEngine } from './saga.engine.js';

/** Consumes the service's saga queue: saga step messages and scheduler ticks. */
@Injectable()
@OnEvent([STEP_TYPE_PATTERN, TICK_TYPE_PATTERN], { queue: SAGA_QUEUE, retry: SAGA_DELIVERY_RETRY })
export class SagaQueueConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger(SagaQueueConsumer.name);

  constructor(
    @Inject(SagaEngine) private readonly engine: SagaEngine,
    @Inject(EventScheduler) private readonly scheduler: EventScheduler,
    @Inject(RESOLVED_EVENTS_OPTIONS) private readonly events: ResolvedEventsOptions,
  ) {}

  onApplicationBootstrap(): void {
    // not awaited: the publisher may still be connecting; a failure only delays a lost tick to the next start
    this.scheduler
      .reseed()
      .catch((e: Error) => this.logger.warn(`could not re-send overdue schedule ticks: ${e.message}`));
  }

  async handle(data: unknown, ctx: EventContext): Promise<void> {
    if (ctx.type === stepType(this.events.service)) {
      if (!isStepMessage(data)) throw new NonRetryableError(`malformed saga step message ${ctx.id}`);
      await this.engine.handle(data);
    } else if (ctx.type === tickType(this.events.service)) {
      if (!isTickMessage(data)) throw new NonRetryableError(`malformed schedule tick message ${ctx.id}`);
      await this.scheduler.onTick(data);
    }
  }
}
