import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { DiscoveryService } from '@nestjs/core';
import type { EventHandlersExplorer } from '../discovery/event-handlers.explorer.js';
import { EventsRuntime } from '../runtime/events-runtime.js';
import { buildRegistration, type BuiltHandler } from '../runtime/handler-registration.builder.js';

/**
 * The Nest lifecycle of one bus: its `@OnEvent` handlers are declared when the bus starts (at the
 * first publish or at bootstrap, whichever comes first) and subscribed at bootstrap; at shutdown the
 * bus drains and closes. Integrations subscribe through the same runtime.
 */
export class EventsBusLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: Logger;
  private built: BuiltHandler[] | undefined;

  constructor(
    private readonly runtime: EventsRuntime,
    private readonly explorer: EventHandlersExplorer,
    private readonly discovery: DiscoveryService,
  ) {
    this.logger = new Logger(
      runtime.options.name === 'default' ? 'EventsModule' : `EventsModule:${runtime.options.name}`,
    );
    runtime.declareOwnQueuesWith(() => this.handlers());
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.startBus();
    } catch (e) {
      // Nest runs no shutdown hook after a failed bootstrap: release connections and timers so the process can exit
      await this.runtime.stop(0).catch(() => undefined);
      throw e;
    }
  }

  private async startBus(): Promise<void> {
    const handlers = this.handlers();
    await this.runtime.start();
    if (!this.runtime.options.consume) {
      if (handlers.length > 0)
        this.logger.log(`consume: false — ${handlers.length} handler(s) not subscribed`);
      return;
    }
    await this.runtime.subscribe(handlers);
    if (handlers.length > 0)
      this.logger.log(
        `consuming ${handlers.length} handler queue(s) as service "${this.runtime.options.service}" on ${this.runtime.transport.kind}`,
      );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
  }

  private handlers(): BuiltHandler[] {
    if (!this.built) {
      const buses = this.discovery
        .getProviders()
        .map((w) => w.instance)
        .filter((i): i is EventsRuntime => i instanceof EventsRuntime)
        .map((r) => r.options.name);
      this.built = this.explorer
        .handlersFor(this.runtime.options, buses)
        .map((h) => buildRegistration(h, this.runtime.options));
    }
    return this.built;
  }
}
