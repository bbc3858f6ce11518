import { createHash } from 'node:crypto';
import type { IncomingMessage } from './incoming-message.js';

/**
 * Exchanges a message reaches a handler queue through without its routing key being the event type:
 * the default exchange (routing key = queue name), `{exchange}.retry`, `{exchange}.dlx` and the delay
 * levels (`{exchange}.delay.NN`, `{exchange}.delay.out`, routing key = queue name on retry copies).
 */
const NOT_A_TYPE_EXCHANGE = /(^$)|\.(retry|dlx|delay\.(\d\d|out))$/;

/**
 * The event type of a message from a producer that sets neither the `type` property nor the
 * `cloudEvents:type` header (e.g. `amqp-publish -r Order.created`): the routing key it was published
 * with to the topic exchange. Undefined when the routing key is not an event type (see above).
 */
export function typeFromRoutingKey(msg: IncomingMessage): string | undefined {
  const f = msg.fields;
  if (!f || typeof f.routingKey !== 'string' || f.routingKey.length === 0) return undefined;
  if (typeof f.exchange === 'string' && NOT_A_TYPE_EXCHANGE.test(f.exchange)) return undefined;
  return f.routingKey;
}

/**
 * A stable id for a message without `messageId` (and without `cloudEvents:id`): a UUIDv8 (RFC 9562,
 * custom) made of the SHA-256 of the exchange, routing key, AMQP timestamp, appId and body. Every
 * redelivery of that message gets the same id, so the inbox deduplicates redeliveries; two different
 * publishes of the same body with the same routing key in the same second (or without a timestamp
 * at all) get the same id too, and the inbox would process only the first: producers that need both
 * must set `messageId`.
 */
export function derivedEventId(msg: IncomingMessage): string {
  const p = msg.properties;
  const hash = createHash('sha256');
  hash.update(`${msg.fields?.exchange ?? ''}\n${msg.fields?.routingKey ?? ''}\n`);
  hash.update(
    `${typeof p.timestamp === 'number' ? p.timestamp : ''}\n${typeof p.appId === 'string' ? p.appId : ''}\n`,
  );
  hash.update(msg.content);
  const b = hash.digest();
  b[6] = (b[6] & 0x0f) | 0x80; // version 8
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 9562 variant
  const h = b.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
