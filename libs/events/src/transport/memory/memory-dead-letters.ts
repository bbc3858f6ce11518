import { HEADERS } from '../../constants.js';
import type { DeadLetter } from '../../dead-letter/dead-letter.js';
import { handlerQueueOf, toDeadLetter } from '../../dead-letter/dead-letter.mapper.js';
import { republishableHeaders } from '../../envelope/header-sanitizer.js';
import { DeadLetterReplayError } from '../../errors/dead-letter-replay.error.js';
import { names } from '../../topology/topology-names.js';
import type { DeadLetterStore } from '../events-transport.js';
import { FAILURE_HEADER_NAMES as FAILURE_HEADERS } from '../../consumer/failure-headers.js';
import type { MemoryBroker } from './memory-broker.js';
import type { StoredMessage } from './memory-queue.js';

/** Dead-letter operations on the memory broker's `{queue}.dlq` queues (same semantics as on RabbitMQ). */
export class MemoryDeadLetters implements DeadLetterStore {
  constructor(
    private readonly broker: MemoryBroker,
    private readonly exchange: string,
  ) {}

  count(queue: string): Promise<number> {
    return Promise.resolve(this.dlq(queue).length);
  }

  list(queue: string, limit = 100): Promise<DeadLetter[]> {
    const q = handlerQueueOf(queue);
    return Promise.resolve(
      this.dlq(queue)
        .slice(0, limit)
        .map((m) => toDeadLetter(q, m)),
    );
  }

  find(queue: string, ids: string[]): Promise<DeadLetter[]> {
    const q = handlerQueueOf(queue);
    const wanted = new Set(ids);
    return Promise.resolve(
      this.dlq(queue)
        .filter((m) => wanted.has(String(m.properties.messageId)))
        .map((m) => toDeadLetter(q, m)),
    );
  }

  replay(queue: string, ids?: string[]): Promise<string[]> {
    const q = handlerQueueOf(queue);
    const wanted = ids ? new Set(ids) : undefined;
    const letters = this.dlq(queue);
    const replayed: string[] = [];
    for (const m of [...letters]) {
      const id = m.properties.messageId === undefined ? undefined : String(m.properties.messageId);
      if (wanted && (!id || !wanted.has(id))) continue;
      const headers = republishableHeaders(m.properties.headers);
      for (const k of FAILURE_HEADERS) delete headers[k];
      headers[HEADERS.attempt] = 1;
      headers[HEADERS.replayedAt] = new Date().toISOString();
      const routed = this.broker.publish(names.retryExchange(this.exchange), q, m.content, {
        ...m.properties,
        headers,
      });
      if (routed === 0)
        throw new DeadLetterReplayError(
          q,
          id,
          `no queue "${q}" is bound to ${names.retryExchange(this.exchange)} (is the service's queue declared?)`,
          replayed,
        );
      letters.splice(letters.indexOf(m), 1);
      if (id) replayed.push(id);
    }
    return Promise.resolve(replayed);
  }

  purge(queue: string): Promise<number> {
    const letters = this.dlq(queue);
    return Promise.resolve(letters.splice(0).length);
  }

  discard(queue: string, ids: string[]): Promise<string[]> {
    const wanted = new Set(ids);
    const letters = this.dlq(queue);
    const removed: string[] = [];
    for (let i = letters.length - 1; i >= 0; i--) {
      const id = String(letters[i].properties.messageId);
      if (wanted.has(id)) {
        removed.unshift(id);
        letters.splice(i, 1);
      }
    }
    return Promise.resolve(removed);
  }

  private dlq(queue: string): StoredMessage[] {
    return this.broker.findQueue(names.deadLetterQueue(handlerQueueOf(queue)))?.messages ?? [];
  }
}
