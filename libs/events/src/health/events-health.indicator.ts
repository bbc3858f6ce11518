import type { EventsMetricsSnapshot } from '../observability/events-metrics.js';
import type { EventsRuntime } from '../runtime/events-runtime.js';

export interface EventsHealthDetails {
  status: 'up' | 'down';
  /** Why the bus is down. */
  reason?: string;
  bus: string;
  transport: 'amqp' | 'memory';
  publishConnected: boolean;
  consumeConnected?: boolean;
  blocked?: string;
  consumers: number;
  activeConsumers: number;
  metrics: EventsMetricsSnapshot;
}

/**
 * Health of one bus for `@nestjs/terminus` without depending on it: `isHealthy(key)` returns a
 * HealthIndicatorResult-shaped object (`{ [key]: { status: 'up' | 'down', ... } }`), which terminus'
 * `HealthCheckService.check([() => events.isHealthy('rabbitmq')])` accepts.
 */
export class EventsHealthIndicator {
  constructor(private readonly runtime: EventsRuntime) {}

  isHealthy<K extends string = 'rabbitmq'>(key: K = 'rabbitmq' as K): Record<K, EventsHealthDetails> {
    const s = this.runtime.transport.status();
    const reason = !s.publish
      ? 'publish connection or channel down'
      : s.consume === false
        ? 'consume connection down'
        : s.blocked
          ? `broker blocked publishing: ${s.blocked}`
          : s.activeConsumers < s.consumers
            ? `${s.consumers - s.activeConsumers} of ${s.consumers} consumer(s) not subscribed (cancelled or reconnecting)`
            : undefined;
    const up = reason === undefined;
    return {
      [key]: {
        status: up ? 'up' : 'down',
        ...(reason ? { reason } : {}),
        bus: this.runtime.options.name,
        transport: this.runtime.transport.kind,
        publishConnected: s.publish,
        consumeConnected: s.consume,
        blocked: s.blocked,
        consumers: s.consumers,
        activeConsumers: s.activeConsumers,
        metrics: this.runtime.metrics.snapshot(),
      },
    } as Record<K, EventsHealthDetails>;
  }
}
