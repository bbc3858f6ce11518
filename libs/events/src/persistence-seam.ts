import type { EventEnvelope } from './envelope/envelope.js';
import type { HandlerRegistration } from './consumer/handler-registration.js';
import type { EventContext } from './interfaces/event-context.interface.js';
import type { ResolvedEventsOptions } from './options/resolved-options.js';

/** An event ready to send: envelope, serialized body, delay. What the outbox stores and the relay sends. */
export interface PreparedEvent {
  envelope: EventEnvelope;
  content: Buffer;
  delay: number;
}

export type HandlerInvoke = (data: unknown, ctx: EventContext) => unknown;

/**
 * What the persistence layer (inbox + outbox on TypeORM) plugs into the core. Loaded only when
 * `persistence` is configured, so the core never imports TypeORM.
 */
export interface EventsPersistence {
  /** Writes events to the outbox inside the caller's transaction (an EntityManager). */
  writeOutbox(transaction: unknown, events: PreparedEvent[]): Promise<void>;
  /**
   * Wraps a handler marked `idempotent` and/or `transactional`: skips an already-processed event id,
   * runs the handler in a transaction (setting ctx.manager) with the inbox row committed alongside.
   * Throws TransientError when the database is unavailable.
   */
  wrapHandler(reg: HandlerRegistration, invoke: HandlerInvoke): HandlerInvoke;
  /**
   * Whether this deduplicating handler already processed the event (its inbox row committed); false
   * for handlers without the inbox. Asked for a broker redelivery this process knows nothing about.
   */
  processed?(reg: HandlerRegistration, eventId: string): Promise<boolean>;
  /** Starts the outbox relay, which sends stored events through `send` (confirmed). */
  start(send: (event: PreparedEvent) => Promise<void>): Promise<void>;
  /** Stops the relay and prune timers. */
  stop(): Promise<void>;
}

export type EventsPersistenceFactory = (options: ResolvedEventsOptions) => Promise<EventsPersistence>;

export const EVENTS_PERSISTENCE = Symbol('nestjs-amqp-events:persistence');
