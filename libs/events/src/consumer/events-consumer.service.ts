import { Inject, Injectable, Logger, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { RESOLVED_EVENTS_OPTIONS } from '../constants.js';
import { AmqpEventsTransport } from '../amqp/amqp-events.transport.js';
import { EventHandlersExplorer } from '../discovery/event-handlers.explorer.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { EventPublisher } from '../publisher/event-publisher.js';
import { EventsMetrics } from '../observability/events-metrics.js';
import type { HandlerRegistration } from './handler-registration.js';
import { EVENTS_PERSISTENCE, type EventsPersistence } from '../persistence-seam.js';
import { subscribeHandlers } from './handler-subscription.js';

/** Subscribes the discovered handlers at bootstrap; drains them at shutdown. */
@Injectable()
export class EventsConsumerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('EventsModule');
  private registrations: HandlerRegistration[] = [];

  constructor(
    @Inject(RESOLVED_EVENTS_OPTIONS) private readonly options: ResolvedEventsOptions,
    private readonly explorer: EventHandlersExplorer,
    private readonly transport: AmqpEventsTransport,
    private readonly publisher: EventPublisher,
    private readonly metrics: EventsMetrics,
    @Optional() @Inject(EVENTS_PERSISTENCE) private readonly persistence?: EventsPersistence,
  ) {}

  get handlers(): readonly HandlerRegistration[] {
    return this.registrations;
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.subscribeHandlers();
    } catch (e) {
      // Nest runs no shutdown hook after a failed init: release the connections (and their reconnect
      // timers) so the failed process can exit, then fail startup with the original error
      await this.persistence?.stop().catch(() => undefined);
      await this.transport.stop(0).catch(() => undefined);
      throw e;
    }
  }

  private async subscribeHandlers(): Promise<void> {
    this.registrations = this.explorer.explore().map((reg) =>
      this.persistence && (reg.options.idempotent || reg.options.transactional)
        ? { ...reg, invoke: this.persistence.wrapHandler(reg, reg.invoke) }
        : reg,
    );
    await this.transport.start();
    await this.persistence?.start((event) => this.publisher.send(event));
    if (!this.options.consume) {
      if (this.registrations.length > 0) this.logger.log(`consume: false — ${this.registrations.length} handler(s) not subscribed`);
      return;
    }
    await subscribeHandlers(
      this.transport,
      this.options,
      this.metrics,
      this.publisher.publish.bind(this.publisher),
      this.registrations.map((reg) => ({ reg })),
    );
    if (this.registrations.length > 0) this.logger.log(`consuming ${this.registrations.length} handler queue(s) as service "${this.options.service}"`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.persistence?.stop();
    await this.transport.stop(this.options.shutdownTimeoutMs);
  }
}
