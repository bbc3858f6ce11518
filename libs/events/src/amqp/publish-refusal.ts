/**
 * Channel-close codes after which sending the same message again can never succeed: 403
 * ACCESS_REFUSED (no write permission on the exchange, user-id mismatch), 404 NOT_FOUND (no such
 * exchange), 406 PRECONDITION_FAILED (a property the broker refuses). A reconnect fixes everything else
 * (320 connection forced, 541 internal error, a lost socket), so those messages are written again.
 */
export const PERMANENT_CLOSE_CODES: ReadonlySet<number> = new Set([403, 404, 406]);

/** Why the broker closed a channel: the AMQP reply code and text of its channel.close. */
export interface ChannelClose {
  code: number;
  message: string;
}

/** The reply code and text of an amqplib channel 'error' event, when it carries one. */
export function channelCloseOf(error: unknown): ChannelClose | undefined {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e.code !== 'number') return undefined;
  return { code: e.code, message: typeof e.message === 'string' ? e.message : '' };
}

/**
 * The exchange a refusal names ("no exchange 'x' in vhost '/'", "access to exchange 'x' in vhost '/'
 * refused"), or undefined: every unconfirmed message to that exchange is refused for the same reason.
 */
export function refusedExchange(close: ChannelClose): string | undefined {
  return /\bexchange '((?:[^'\\]|\\.)*)'/.exec(close.message)?.[1];
}

/**
 * The routing key a topic-permission refusal names ("access to topic 'Secret.x' in exchange 'events'
 * in vhost '/' refused for user 'billing'"), or undefined. Such a refusal concerns only the messages
 * with that routing key: the other unconfirmed messages to the same exchange are allowed and should
 * be written again, not rejected with it.
 */
export function refusedTopic(close: ChannelClose): string | undefined {
  return /\baccess to topic '((?:[^'\\]|\\.)*)' in exchange\b/.exec(close.message)?.[1];
}

/**
 * Which of a closed channel's unconfirmed publishes (in write order) the broker refused for good: those
 * to the exchange its reply names (for a topic permission, only that routing key); when the reply names
 * no exchange, the oldest one (the broker handles a channel's publishes in order). Pure.
 */
export function refusedPublishes<T extends { exchange: string; routingKey: string }>(
  close: ChannelClose,
  unconfirmed: T[],
): T[] {
  const exchange = refusedExchange(close);
  if (exchange === undefined) return unconfirmed.slice(0, 1);
  // a topic permission refuses one routing key: the other messages to that exchange are allowed
  const topic = refusedTopic(close);
  return unconfirmed.filter(
    (p) => p.exchange === exchange && (topic === undefined || p.routingKey === topic),
  );
}
