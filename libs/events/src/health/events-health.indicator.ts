import { Injectable } from '@nestjs/common';
import { AmqpEventsTransport } from '../amqp/amqp-events.transport.js';
import { EventsMetrics, type EventsMetricsSnapshot } from '../observability/events-metrics.js';

export interface EventsHealthDetails {
  status: 'up' | 'down';
  publishConnected: boolean;
  consumeConnected?: boolean;
  blocked?: string;
  consumers: number;
  activeConsumers: number;
  metrics: EventsMetricsSnapshot;
}

/**
 * Health for `@nestjs/terminus` without depending on it: `isHealthy(key)` returns a
 * HealthIndicatorResult-shaped object (`{ [key]: { status: 'up' | 'down', ... } }`), which terminus'
 * `HealthCheckService.check([() => events.isHealthy('rabbitmq')])` accepts.
 */
@Injectable()
export class EventsHealthIndicator {
  constructor(
    private readonly transport: AmqpEventsTransport,
    private readonly metrics: EventsMetrics,
  ) {}

  isHealthy<K extends string = 'rabbitmq'>(key: K = 'rabbitmq' as K): Record<K, EventsHealthDetails> {
    const s = this.transport.status();
    const up = s.publish && s.consume !== false && !s.blocked && s.activeConsumers === s.consumers;
    return {
      [key]: {
        status: up ? 'up' : 'down',
        publishConnected: s.publish,
        consumeConnected: s.consume,
        blocked: s.blocked,
        consumers: s.consumers,
        activeConsumers: s.activeConsumers,
        metrics: this.metrics.snapshot(),
      },
    } as Record<K, EventsHealthDetails>;
  }
}
