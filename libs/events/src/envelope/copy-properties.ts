import type { MessageProperties } from './incoming-message.js';

/** What a copy is published with: the original's properties, persistent, new headers. */
export interface CopiedProperties {
  messageId: string | undefined;
  type: string | undefined;
  appId: string | undefined;
  timestamp: number | undefined;
  correlationId: string | undefined;
  priority: number | undefined;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  persistent: true;
  /** The copying service's own user (`recordUserId`), never the original publisher's. */
  userId: string | undefined;
  headers: Record<string, unknown>;
}

/**
 * Publish properties for a copy of a received message (retry, postponement, dead letter, replay): same
 * envelope, new headers. `decoded` (the id and type the message was decoded with) fills in a
 * `messageId`/`type` the original did not carry (a message of another producer: type from its routing
 * key, derived id), so the copy keeps them although it travels with another routing key.
 *
 * The original's `userId` is never copied: RabbitMQ refuses (406 PRECONDITION_FAILED) a message whose
 * `userId` is not the publishing connection's user, and the copy is published by this service. Pass
 * `userId` (the resolved `recordUserId` user) to have the copy carry this service's user.
 */
export function copyPublishProperties(
  p: MessageProperties,
  headers: Record<string, unknown>,
  decoded?: { id: string; type: string },
  userId?: string,
): CopiedProperties {
  return {
    messageId: (p.messageId ?? decoded?.id) as string | undefined,
    type: (p.type ?? decoded?.type) as string | undefined,
    appId: p.appId as string | undefined,
    timestamp: p.timestamp as number | undefined,
    correlationId: p.correlationId as string | undefined,
    priority: p.priority as number | undefined,
    contentType: p.contentType as string | undefined,
    contentEncoding: p.contentEncoding as string | undefined,
    persistent: true,
    userId,
    headers,
  };
}
