import type { Options } from 'amqplib';
import type { OutboundProperties } from '../transport/events-transport.js';

/** Our properties are built by the library's codec: amqplib's publish options as they are. */
export function amqp(p: OutboundProperties): Options.Publish {
  return p as Options.Publish;
}

/**
 * amqplib's options for an event: one object of a fixed shape with `mandatory` (a spread of the
 * properties would cost more than building it).
 */
export function publishOptions(p: OutboundProperties): Options.Publish {
  return {
    messageId: p.messageId as string | undefined,
    type: p.type as string | undefined,
    appId: p.appId as string | undefined,
    timestamp: p.timestamp as number | undefined,
    correlationId: p.correlationId as string | undefined,
    priority: p.priority as number | undefined,
    contentType: p.contentType as string | undefined,
    contentEncoding: p.contentEncoding as string | undefined,
    replyTo: p.replyTo as string | undefined,
    expiration: p.expiration as string | undefined,
    userId: p.userId as string | undefined,
    persistent: p.persistent,
    headers: p.headers,
    mandatory: true,
  };
}

export function withHeaders(p: OutboundProperties, extra: Record<string, string>): Options.Publish {
  return amqp({ ...p, headers: { ...p.headers, ...extra } });
}
