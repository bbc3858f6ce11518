import { HEADERS } from '../constants.js';
import { republishableHeaders } from '../envelope/header-sanitizer.js';
import type { InboundMessage, MessageProperties, OutboundProperties } from '../transport/events-transport.js';

/** Publish properties for a copy of a received message (retry, postponement, dead letter): same envelope, new headers. */
export function copyProperties(
  p: MessageProperties,
  headers: Record<string, unknown>,
  decoded?: { id: string; type: string },
): OutboundProperties {
  return {
    // a message of another producer may lack both: the copy keeps what it was decoded with
    messageId: p.messageId ?? decoded?.id,
    type: p.type ?? decoded?.type,
    appId: p.appId,
    timestamp: p.timestamp,
    correlationId: p.correlationId,
    priority: p.priority,
    contentType: p.contentType,
    contentEncoding: p.contentEncoding,
    persistent: true,
    headers,
  };
}

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
