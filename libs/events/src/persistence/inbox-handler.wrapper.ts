import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { EventsError } from '../errors/events.error.js';
import { NonRetryableError } from '../errors/non-retryable.error.js';
import { TransientError } from '../errors/transient.error.js';
import type { HandlerRegistration } from '../consumer/handler-registration.js';
import type { EventContext } from '../interfaces/event-context.interface.js';
import type { HandlerInvoke } from '../persistence-seam.js';
import { isTransientDatabaseError } from './database-errors.js';
import type { TypeOrmInboxStore } from './typeorm-inbox.store.js';

const MAX_KEY_LENGTH = 255;

/** The inbox key of a delivery: the event id, or the handler's `idempotencyKey(data, ctx)` (hashed when long). */
export function inboxKey(reg: HandlerRegistration, data: unknown, ctx: EventContext): string {
  const fn = reg.options.idempotencyKey;
  if (!fn) return ctx.id;
  let key: unknown;
  try {
    key = fn(data, ctx);
  } catch (e) {
    throw new NonRetryableError(`idempotencyKey of ${reg.name} threw: ${(e as Error)?.message ?? e}`, {
      cause: e,
    });
  }
  if (typeof key !== 'string' || key.length === 0) {
    throw new NonRetryableError(
      `idempotencyKey of ${reg.name} must return a non-empty string, got ${JSON.stringify(key)}`,
    );
  }
  return key.length > MAX_KEY_LENGTH ? `sha256:${createHash('sha256').update(key).digest('hex')}` : key;
}

/** A handler failure caused by the database being unavailable is retried later, not counted, never parked. */
export function classifyHandlerError(error: unknown): unknown {
  if (error instanceof EventsError) return error;
  if (isTransientDatabaseError(error)) {
    return new TransientError(`database unavailable: ${(error as Error)?.message ?? error}`, {
      cause: error,
    });
  }
  return error;
}

/** Tracks in-flight inbox work so the library's own connection closes only after it drained. */
export interface InboxActivity {
  enter(): void;
  leave(): void;
}

/**
 * Wraps an `idempotent` and/or `transactional` handler. `transactional` implies the inbox unless
 * `idempotent: false` is set explicitly (then it is a transaction without deduplication).
 */
export function wrapInboxHandler(
  reg: HandlerRegistration,
  invoke: HandlerInvoke,
  inbox: TypeOrmInboxStore,
  activity: InboxActivity,
): HandlerInvoke {
  const logger = new Logger(`EventsInbox:${reg.name}`);
  const transactional = reg.options.transactional === true;
  const deduplicate = reg.options.idempotent === true || (transactional && reg.options.idempotent !== false);
  const consumer = reg.queue;
  return async (data: unknown, ctx: EventContext) => {
    const key = deduplicate ? inboxKey(reg, data, ctx) : null;
    const holder = ctx as { manager?: unknown };
    activity.enter();
    try {
      const outcome = await inbox.process(
        key,
        consumer,
        async (manager) => {
          if (transactional) holder.manager = manager;
          try {
            await invoke(data, ctx);
          } catch (e) {
            throw classifyHandlerError(e);
          } finally {
            if (transactional) holder.manager = undefined;
          }
        },
        transactional,
      );
      if (outcome === 'duplicate') {
        logger.debug(
          `skipped ${ctx.type} (id ${ctx.id}${key !== ctx.id ? `, key ${key}` : ''}): already processed by ${consumer}`,
        );
      }
    } finally {
      activity.leave();
    }
  };
}
