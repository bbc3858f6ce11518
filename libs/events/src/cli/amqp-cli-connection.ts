import amqplib from 'amqplib';
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
