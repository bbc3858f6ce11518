import type { EventEnvelope } from './envelope.js';

/** What decode needs of an incoming AMQP message (structurally compatible with amqplib's ConsumeMessage). */
/** The AMQP 0-9-1 basic properties the library reads (amqplib's, and the memory transport's, fit). */
export interface MessageProperties {
  messageId?: unknown;
  type?: unknown;
  appId?: unknown;
  timestamp?: unknown;
  correlationId?: unknown;
  priority?: unknown;
  contentType?: unknown;
  contentEncoding?: unknown;
  replyTo?: unknown;
  expiration?: unknown;
  userId?: unknown;
  headers?: Record<string, unknown>;
}

export interface IncomingMessage {
  content: Buffer;
  properties: MessageProperties;
  /** amqplib's delivery fields: where the message was published (used for messages of other producers). */
  fields?: { exchange?: string; routingKey?: string };
}

export type DecodeResult<T = unknown> =
  { ok: true; envelope: EventEnvelope<T> } | { ok: false; reason: string };

/** A non-empty string, or the UTF-8 text of a Buffer (amqplib delivers long strings of tables as Buffers). */
export function headerString(v: unknown): string | undefined {
  if (typeof v === 'string' && v.length > 0) return v;
  if (Buffer.isBuffer(v) && v.length > 0) return v.toString('utf8');
  return undefined;
}

/** A positive integer header (x-attempt, x-schema-version), or undefined. */
export function positiveInteger(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : undefined;
}
