import { Injectable, Optional } from '@nestjs/common';
import { HandlerRegistrationError } from '../../errors/handler-registration.error.js';
import { EventPublisher } from '../../publisher/event-publisher.js';
import { EventStoreDatabase } from '../event-store.database.js';
import type { ProjectionDefinition } from '../projection.explorer.js';
import type { WindowedAggregationDefinition } from './windowed-aggregation.decorator.js';
import { WindowedAggregator } from './windowed-aggregator.js';
import { WindowStateStore } from './window-state.store.js';

/** Turns a `@WindowedAggregation` class into the projection that runs it (used by the projection explorer). */
@Injectable()
export class WindowedAggregationFactory {
  private readonly state: WindowStateStore;

  constructor(
    db: EventStoreDatabase,
    @Optional() private readonly publisher?: EventPublisher,
  ) {
    this.state = new WindowStateStore(db);
  }

  projection(def: WindowedAggregationDefinition, className: string): ProjectionDefinition {
    if (def.emit && !this.publisher)
      throw new HandlerRegistrationError(
        className,
        `@WindowedAggregation("${def.name}") emits "${def.emit}" through the outbox: import EventsModule with \`persistence\` (on the event store's DataSource), or drop \`emit\``,
      );
    return new WindowedAggregator(def, this.state, this.publisher).projection(className);
  }
}
