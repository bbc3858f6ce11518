import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs `rabbitmqctl <args>` against the local node; rejects with its output on failure. */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: 60_000 });
  return stdout;
}

/** Closes every client connection on the broker (everyone's, not only this test's). */
export async function closeAllConnections(reason = 'test'): Promise<void> {
  await rabbitmqctl('close_all_connections', reason);
}

export async function stopApp(): Promise<void> {
  await rabbitmqctl('stop_app');
}

/** Starts the RabbitMQ application (a no-op when it runs) and waits until it accepts work. */
export async function startApp(): Promise<void> {
  await rabbitmqctl('start_app');
  await rabbitmqctl('await_startup');
}
