import type { Channel, ChannelModel, ConfirmChannel, GetMessage, Message } from 'amqplib';
import { HEADERS } from '../constants.js';
import { FAILURE_HEADER_NAMES as FAILURE_HEADERS } from '../consumer/failure-headers.js';
import { copyPublishProperties } from '../envelope/copy-properties.js';
import { republishableHeaders } from '../envelope/header-sanitizer.js';
import { DeadLetterReplayError } from '../errors/dead-letter-replay.error.js';
import { names } from '../topology/topology-names.js';
import type { DeadLetter } from './dead-letter.js';
import { handlerQueueOf, toDeadLetter } from './dead-letter.mapper.js';

export { handlerQueueOf, toDeadLetter } from './dead-letter.mapper.js';

/**
 * The bus exchange a dead letter came through, from its `x-original-exchange` header: a retried or
 * delayed copy records the library's own `{exchange}.retry` / `{exchange}.delay.*` exchanges, which
 * map back to `{exchange}`. Undefined when the header is missing or empty. Pure.
 */
export function busExchangeOf(originalExchange: unknown): string | undefined {
  if (typeof originalExchange !== 'string' && !Buffer.isBuffer(originalExchange)) return undefined;
  const name = String(originalExchange);
  if (name === '') return undefined;
  return name.replace(/\.(retry|unrouted|dlx|delay\.out|delay\.q?\d{2})$/, '');
}

/**
 * Dead-letter queue operations over a plain AMQP connection; used by DeadLetterService and the CLI.
 * `queue` is the handler queue (`billing.Orders.onCreated`) or its DLQ (`billing.Orders.onCreated.dlq`).
 * Reading is non-destructive: messages are fetched unacked and go back in place when the channel closes.
 */
export class DeadLetterOps {
  constructor(
    private readonly connection: ChannelModel,
    private readonly exchange: string,
  ) {}

  async count(queue: string): Promise<number> {
    return this.withChannel(
      false,
      async (ch) => (await ch.checkQueue(names.deadLetterQueue(handlerQueueOf(queue)))).messageCount,
    );
  }

  /** Up to `limit` dead letters, oldest first; not removed. */
  async list(queue: string, limit = 100): Promise<DeadLetter[]> {
    const q = handlerQueueOf(queue);
    const out: DeadLetter[] = [];
    await this.scan(false, q, async (_ch, m) => {
      out.push(toDeadLetter(q, m));
      return out.length < limit;
    });
    return out;
  }

  /** The dead letters with these event ids; not removed. */
  async find(queue: string, ids: string[]): Promise<DeadLetter[]> {
    const q = handlerQueueOf(queue);
    const wanted = new Set(ids);
    const out: DeadLetter[] = [];
    await this.scan(false, q, async (_ch, m) => {
      if (wanted.has(String(m.properties.messageId))) out.push(toDeadLetter(q, m));
      return true;
    });
    return out;
  }

  /**
   * Sends dead letters back to their handler queue only (through `{exchange}.retry` of the exchange the
   * letter came through, its `x-original-exchange`; the `exchange` given to the constructor only for
   * letters without that header), attempts reset;
   * each is removed from the DLQ only after its republish was confirmed and routed. Returns the ids
   * replayed. Throws DeadLetterReplayError (the letter stays) when the queue cannot take it.
   */
  async replay(queue: string, ids?: string[]): Promise<string[]> {
    const q = handlerQueueOf(queue);
    const wanted = ids ? new Set(ids) : undefined;
    const replayed: string[] = [];
    let returned = false;
    let closedWith = '';
    await this.scan(true, q, async (ch, m) => {
      if (ch.listenerCount('error') < 2) ch.on('error', (e: Error) => (closedWith = `; ${e.message}`));
      const id = m.properties.messageId === undefined ? undefined : String(m.properties.messageId);
      if (wanted && (!id || !wanted.has(id))) return true; // left unacked: back in place on close
      returned = false;
      if (ch.listenerCount('return') === 0) ch.on('return', () => (returned = true));
      const retryExchange = names.retryExchange(
        busExchangeOf(m.properties.headers?.[HEADERS.originalExchange]) ?? this.exchange,
      );
      try {
        await this.republish(ch as ConfirmChannel, retryExchange, q, m);
      } catch (e) {
        const cause = /NOT_FOUND|404/.test(String((e as Error).message) + closedWith)
          ? `exchange "${retryExchange}" does not exist (was the bus's topology deleted?)`
          : `the broker did not confirm the republish (${(e as Error).message}${closedWith})`;
        throw new DeadLetterReplayError(q, id, cause, replayed);
      }
      if (returned) {
        throw new DeadLetterReplayError(
          q,
          id,
          `no queue "${q}" is bound to ${retryExchange} (is the service's queue declared?)`,
          replayed,
        );
      }
      ch.ack(m);
      if (id) replayed.push(id);
      return true;
    });
    return replayed;
  }

  /** Empties the DLQ; returns how many dead letters were removed. */
  async purge(queue: string): Promise<number> {
    return this.withChannel(
      false,
      async (ch) => (await ch.purgeQueue(names.deadLetterQueue(handlerQueueOf(queue)))).messageCount,
    );
  }

  /** Removes the dead letters with these event ids; returns the ids removed. */
  async discard(queue: string, ids: string[]): Promise<string[]> {
    const wanted = new Set(ids);
    const removed: string[] = [];
    await this.scan(false, handlerQueueOf(queue), async (ch, m) => {
      const id = String(m.properties.messageId);
      if (wanted.has(id)) {
        ch.ack(m);
        removed.push(id);
      }
      return true;
    });
    return removed;
  }

  private republish(ch: ConfirmChannel, retryExchange: string, queue: string, m: Message): Promise<void> {
    const headers = republishableHeaders(m.properties.headers);
    for (const k of FAILURE_HEADERS) delete headers[k];
    headers[HEADERS.attempt] = 1;
    headers[HEADERS.replayedAt] = new Date().toISOString();
    const p = m.properties;
    return new Promise<void>((resolve, reject) => {
      ch.publish(
        retryExchange,
        queue,
        m.content,
        { ...copyPublishProperties(p, headers), mandatory: true },
        (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
      );
    });
  }

  /** Fetches the DLQ's messages one by one (as many as it held at the start) until `visit` returns false. */
  private async scan(
    confirm: boolean,
    queue: string,
    visit: (ch: Channel, m: GetMessage) => Promise<boolean>,
  ): Promise<void> {
    await this.withChannel(confirm, async (ch) => {
      const dlq = names.deadLetterQueue(queue);
      const { messageCount } = await ch.checkQueue(dlq);
      for (let i = 0; i < messageCount; i++) {
        const m = await ch.get(dlq, { noAck: false });
        if (!m || !(await visit(ch, m))) break;
      }
    });
  }

  private async withChannel<T>(confirm: boolean, work: (ch: Channel) => Promise<T>): Promise<T> {
    const ch = confirm ? await this.connection.createConfirmChannel() : await this.connection.createChannel();
    ch.on('error', () => undefined); // reported through the rejected operation
    try {
      return await work(ch);
    } finally {
      await ch.close().catch(() => undefined); // unacked messages return to the queue in place
    }
  }
}
