import type { HeaderValue } from '../interfaces/publish-options.interface.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';

/** An event as the library sees it, independent of AMQP. */
export interface EventEnvelope<T = unknown> {
  id: string;
  type: string;
  source: string;
  /** ISO-8601 */
  time: string;
  data: T;
  priority: number;
  correlationId?: string;
  causationId?: string;
  traceparent?: string;
  tracestate?: string;
  /** 1-based attempt this copy is for. */
  attempt: number;
  /** Retry policy the publisher attached (used when the handler has none). */
  retry?: Partial<RetryPolicy>;
  /** Schema version of `data` (§12); undefined = 1. Travels in `x-schema-version` only when above 1. */
  schemaVersion?: number;
  /** Application headers. */
  headers: Record<string, HeaderValue>;
  /**
   * AMQP `userId` of the message: the user that published this copy, validated by RabbitMQ against
   * the publishing connection (`recordUserId`). Undefined when the publisher did not set it.
   */
  userId?: string;
}

/** AMQP message properties we produce (a subset of amqplib's Options.Publish). */
export interface WireProperties {
  messageId: string;
  type: string;
  appId: string;
  timestamp: number;
  correlationId?: string;
  priority: number;
  contentType: 'application/json';
  contentEncoding: 'utf-8';
  persistent: true;
  /** The connection's user (`recordUserId`); undefined = not sent. */
  userId: string | undefined;
  /**
   * Absent when there is nothing to carry (the usual case): amqplib copies a headers object for every
   * publish and encodes it, which costs more CPU than the rest of the message's properties.
   */
  headers?: Record<string, unknown>;
}

/**
 * How `encodeEnvelope()` writes the CloudEvents attributes. They always travel in the AMQP properties
 * (messageId, type, appId, timestamp, contentType); `cloudEventsHeaders: true` (module option
 * `cloudEvents: 'headers'`) also writes the `cloudEvents:*` headers of the CloudEvents AMQP binding,
 * for consumers that read them there; `time` keeps its milliseconds only there.
 */
export interface WireFormat {
  cloudEventsHeaders?: boolean;
  /** The AMQP `userId` to send (module option `recordUserId`: the URI's user, which RabbitMQ checks). */
  userId?: string;
}

export interface WireMessage {
  content: Buffer;
  properties: WireProperties;
}
