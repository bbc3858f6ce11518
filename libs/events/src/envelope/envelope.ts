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
  /** Application headers. */
  headers: Record<string, HeaderValue>;
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
  headers: Record<string, unknown>;
}

export interface WireMessage {
  content: Buffer;
  properties: WireProperties;
}
