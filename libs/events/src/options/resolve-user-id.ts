import { InvalidOptionsError } from '../errors/invalid-options.error.js';

/** The user an AMQP URI logs in as: its decoded user name; `guest` (amqplib's default) when it names none. */
export function connectionUser(uri: string): string {
  try {
    const user = new URL(uri).username;
    return user ? decodeURIComponent(user) : 'guest';
  } catch {
    return 'guest';
  }
}

/**
 * `recordUserId`: the `userId` property everything this bus publishes carries, or undefined when it is
 * off. RabbitMQ refuses a message whose `userId` is not the connection's user, so every node of a
 * list must be reached as the same user. Messages name users, never passwords.
 */
export function resolveUserId(recordUserId: unknown, uris: readonly string[]): string | undefined {
  if (recordUserId === undefined || recordUserId === false) return undefined;
  if (recordUserId !== true) throw new InvalidOptionsError('recordUserId', 'expected a boolean');
  const users = [...new Set(uris.map(connectionUser))];
  if (users.length > 1) {
    throw new InvalidOptionsError(
      'recordUserId',
      `the URIs log in as different users (${users.map((u) => JSON.stringify(u)).join(', ')}): the broker would refuse the userId of all but one; use one user for every node`,
    );
  }
  return users[0];
}
