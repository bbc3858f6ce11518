import { Inject, Injectable } from '@nestjs/common';
import { RESOLVED_EVENTS_OPTIONS } from '../constants.js';
import { AmqpEventsTransport } from '../amqp/amqp-events.transport.js';
import { EventsConsumerService } from '../consumer/events-consumer.service.js';
import { EventsError } from '../errors/events.error.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import type { DeadLetter } from './dead-letter.js';
import { DeadLetterOps } from './dead-letter-ops.js';

/** Inspect, replay and purge the dead-letter queues (`{queue}.dlq`) of this service's handlers. */
@Injectable()
export class DeadLetterService {
  constructor(
    @Inject(RESOLVED_EVENTS_OPTIONS) private readonly options: ResolvedEventsOptions,
    private readonly transport: AmqpEventsTransport,
    private readonly consumers: EventsConsumerService,
  ) {}

  /** Dead letters of one handler queue, or of every handler queue of this service; not removed. */
  async list(queue?: string, opts: { limit?: number } = {}): Promise<DeadLetter[]> {
    const limit = opts.limit ?? 100;
    const out: DeadLetter[] = [];
    for (const q of this.queues(queue)) {
      if (out.length >= limit) break;
      out.push(...(await this.ops().list(q, limit - out.length)));
    }
    return out;
  }

  async count(queue?: string): Promise<number> {
    let total = 0;
    for (const q of this.queues(queue)) total += await this.ops().count(q);
    return total;
  }

  /** Back to that queue only, attempts reset; removed from the DLQ once the republish is confirmed. */
  replay(queue: string, ids?: string[]): Promise<string[]> {
    return this.ops().replay(queue, ids);
  }

  purge(queue: string): Promise<number> {
    return this.ops().purge(queue);
  }

  private queues(queue?: string): string[] {
    return queue ? [queue] : this.consumers.handlers.map((h) => h.queue);
  }

  private ops(): DeadLetterOps {
    const c = this.transport.publishConnection.connection;
    if (!c) throw new EventsError('not connected to RabbitMQ; dead-letter operations need a connection');
    return new DeadLetterOps(c, this.options.exchange);
  }
}
