import amqplib from 'amqplib';
import { readFileSync } from 'node:fs';
import { maskUri } from '../options/resolve-options.js';
import { CliUsageError } from './cli-usage.error.js';

/** Removes the URI's password from any text (also when a library echoes the URI in an error). */
export function passwordMasker(uri: string): (text: string) => string {
  const password = /^amqps?:\/\/[^:@/]*:([^@/]*)@/.exec(uri)?.[1];
  return (text) => {
    let t = maskUri(text.split(uri).join(maskUri(uri)));
    if (password && password.length >= 3)
      t = t.split(password).join('***').split(decodeURIComponent(password)).join('***');
    return t;
  };
}

/** Environment variables for TLS, read by every command that connects to the broker. */
export const CLI_TLS_ENV = {
  AMQP_CA_FILE: 'PEM file of the CA that signed the broker certificate',
  AMQP_CERT_FILE: 'PEM file of the client certificate',
  AMQP_KEY_FILE: 'PEM file of the client key',
  AMQP_KEY_PASSPHRASE: 'passphrase of the client key',
  AMQP_SERVERNAME: 'host name to verify the broker certificate against (SNI)',
} as const;

/**
 * Socket options for an `amqps://` connection from the CLI's environment (see CLI_TLS_ENV); files are
 * read here, so a missing file is a usage error that names the variable.
 */
export function cliSocketOptions(env: Record<string, string | undefined>): Record<string, unknown> {
  const file = (name: keyof typeof CLI_TLS_ENV): Buffer | undefined => {
    const path = env[name];
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (e) {
      throw new CliUsageError(`${name}: cannot read ${path} (${(e as Error).message})`);
    }
  };
  const options: Record<string, unknown> = {};
  const ca = file('AMQP_CA_FILE');
  const cert = file('AMQP_CERT_FILE');
  const key = file('AMQP_KEY_FILE');
  if (ca) options.ca = [ca];
  if (cert) options.cert = cert;
  if (key) options.key = key;
  if (env.AMQP_KEY_PASSPHRASE) options.passphrase = env.AMQP_KEY_PASSPHRASE;
  if (env.AMQP_SERVERNAME) options.servername = env.AMQP_SERVERNAME;
  return options;
}

/**
 * Opens a connection to `AMQP_URL`, runs `work`, closes it. Broker errors are printed (password masked)
 * and give exit code 1.
 */
export async function withCliConnection(
  env: Record<string, string | undefined>,
  stderr: (text: string) => void,
  work: (connection: amqplib.ChannelModel) => Promise<number>,
): Promise<number> {
  const uri = env.AMQP_URL ?? 'amqp://localhost:5672';
  const mask = passwordMasker(uri);
  let connection: amqplib.ChannelModel | undefined;
  try {
    connection = await amqplib.connect(uri, {
      ...cliSocketOptions(env),
      timeout: 10_000,
      clientProperties: { connection_name: 'nestjs-amqp-events-cli' },
    });
    connection.on('error', () => undefined);
    return await work(connection);
  } catch (e) {
    if (e instanceof CliUsageError) throw e;
    const err = e as Error;
    const notFound = /NOT_FOUND/.test(err.message)
      ? ` (does the queue exist? dead letters live in "<queue>.dlq")`
      : '';
    stderr(`error: ${mask(err.message)}${notFound}\n  broker: ${maskUri(uri)}\n`);
    return 1;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}
