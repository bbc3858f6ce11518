import type { HeaderValue } from '../interfaces/publish-options.interface.js';

/** A parked message as operators see it. */
export interface DeadLetter {
  id: string | undefined;
  type: string | undefined;
  /** Handler queue it failed in. */
  queue: string;
  reason: string | undefined;
  errorName: string | undefined;
  errorMessage: string | undefined;
  errorStack: string | undefined;
  attempts: number | undefined;
  handler: string | undefined;
  originalExchange: string | undefined;
  originalRoutingKey: string | undefined;
  firstFailureAt: string | undefined;
  failedAt: string | undefined;
  host: string | undefined;
  correlationId: string | undefined;
  /** Parsed JSON body, or the raw text when it is not JSON; for an encrypted payload, a marker (never the content). */
  data: unknown;
  /** Key id when the payload is encrypted: tools show that it is, and never print it. */
  encryptedWith?: string;
  /** The body exactly as stored, base64. */
  rawBase64: string;
  headers: Record<string, HeaderValue>;
}
