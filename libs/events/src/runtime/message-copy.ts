import { HEADERS } from '../constants.js';
import { republishableHeaders } from '../envelope/header-sanitizer.js';
import { copyPublishProperties } from '../envelope/copy-properties.js';
import type { InboundMessage } from '../transport/events-transport.js';

/** Publish properties for a copy of a received message: see `copyPublishProperties`. */
export const copyProperties = copyPublishProperties;

/**
 * Headers for a copy of `msg`: the broker's own (`x-death`, ...) and routing headers stripped
 * (RabbitMQ < 4.0.1 drops copies carrying x-death as cycles), where it first came from recorded.
 */
export function copyHeaders(msg: InboundMessage, exchange: string): Record<string, unknown> {
  const headers = republishableHeaders(msg.properties.headers);
  // a scheduled event arrives from the last delay hop: it was published to the topic exchange
  const viaDelay = msg.exchange.startsWith(`${exchange}.delay.`);
  headers[HEADERS.originalExchange] ??= viaDelay ? exchange : msg.exchange;
  headers[HEADERS.originalRoutingKey] ??= msg.routingKey;
  return headers;
}
