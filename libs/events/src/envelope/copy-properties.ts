import type { MessageProperties, Options } from 'amqplib';

/**
 * Publish options for a copy of a received message (retry, dead letter, replay): same envelope, new
 * headers. `decoded` (the id and type the message was decoded with) fills in a `messageId`/`type` the
 * original did not carry (a message of another producer: type from its routing key, derived id), so
 * the copy keeps them although it travels with another routing key.
 */
export function copyPublishProperties(
  p: MessageProperties,
  headers: Record<string, unknown>,
  decoded?: { id: string; type: string },
): Options.Publish {
  return {
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
