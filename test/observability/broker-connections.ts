import { rabbitmqctl } from '../support/rabbitmqctl.js';

/**
 * Closes the broker connections whose client-provided name starts with `prefix` (the library names
 * its connections `{service}:publish` / `{service}:consume`): only this test's, never everyone's.
 * Returns how many were closed.
 */
export async function closeConnectionsNamed(prefix: string, reason = 'health test'): Promise<number> {
  const out = await rabbitmqctl(
    'list_connections',
    '--quiet',
    '--no-table-headers',
    'pid',
    'client_properties',
  );
  const pids = out
    .split('\n')
    // rabbitmqctl prints client properties as {"connection_name","svc:publish"} (3.10) or, older, Erlang binaries
    .filter(
      (line) =>
        line.includes(`{"connection_name","${prefix}`) ||
        line.includes(`<<"connection_name">>,longstr,<<"${prefix}`),
    )
    .map((line) => line.split('\t')[0]);
  for (const pid of pids) await rabbitmqctl('close_connection', pid, reason);
  return pids.length;
}
