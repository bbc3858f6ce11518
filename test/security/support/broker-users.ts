import { randomBytes } from 'node:crypto';
import { rabbitmqctl } from '../../support/rabbitmqctl.js';

/** Escapes a broker object name for a permission regex. */
export function re(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

/** configure / write / read regexes of a user (RabbitMQ `set_permissions`). */
export interface Permissions {
  configure: string;
  write: string;
  read: string;
}

/**
 * Least privilege for one service on one bus (docs/security.md): exactly the objects the library
 * declares and uses for `service` on `exchange`.
 * - the shared objects of the bus: `{exchange}`, `.unrouted`, `.dlx`, `.retry`, `.commands`,
 *   `.delay.NN`, `.delay.out`, and this service's record `{exchange}.services.{service}`;
 * - the service's own queues: handler queues, their `.dlq`, reply queues (`{service}.replies.*`),
 *   request queues (`{service}.rpc.*`): all `{service}.*`;
 * - write on `amq.default` (the default exchange): outcomes sent to reply queues and the service record.
 */
export function servicePermissions(service: string, exchange: string): Permissions {
  const e = re(exchange);
  const objects = `${e}|${e}\\.(unrouted|dlx|retry|commands|delay\\..+|services\\.${re(service)})|${re(service)}\\..+`;
  return { configure: `^(${objects})$`, write: `^(${objects}|amq\\.default)$`, read: `^(${objects})$` };
}

/** A vhost of the test's own on the shared broker, with users made for the test; `remove()` deletes all. */
export interface TestVhost {
  vhost: string;
  /** amqp://user:password@127.0.0.1:5672/vhost */
  uri(user: string, password: string): string;
  addUser(user: string, password: string, permissions: Permissions): Promise<void>;
  setTopicPermissions(user: string, exchange: string, write: string, read: string): Promise<void>;
  remove(): Promise<void>;
}

export async function createTestVhost(prefix: string): Promise<TestVhost> {
  const vhost = `${prefix}-${randomBytes(4).toString('hex')}`;
  const users: string[] = [];
  await rabbitmqctl('add_vhost', vhost);
  return {
    vhost,
    uri: (user, password) =>
      `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:5672/${encodeURIComponent(vhost)}`,
    async addUser(user, password, p) {
      users.push(user);
      await rabbitmqctl('add_user', user, password);
      await rabbitmqctl('set_permissions', '-p', vhost, user, p.configure, p.write, p.read);
    },
    async setTopicPermissions(user, exchange, write, read) {
      await rabbitmqctl('set_topic_permissions', '-p', vhost, user, exchange, write, read);
    },
    async remove() {
      await rabbitmqctl('delete_vhost', vhost).catch(() => undefined);
      for (const u of users) await rabbitmqctl('delete_user', u).catch(() => undefined);
    },
  };
}

/** A user name (and password) no other test run uses. */
export function uniqueUser(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
