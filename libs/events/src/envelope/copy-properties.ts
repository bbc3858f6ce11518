import type { MessageProperties, Options } from 'amqplib';

/** Publish options for a copy of a received message (retry, dead letter, replay): same envelope, new headers. */
export function copyPublishProperties(
  p: MessageProperties,
  headers: Record<string, unknown>,
): Options.Publish {
  return {
    messageId: p.messageId,
    type: p.type,
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
