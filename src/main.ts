import 'reflect-metadata';
import { maskUri } from 'nestjs-amqp-events';
import { brokerAnswers } from './demo/broker-probe.js';
import { runDemo } from './demo/demo.runner.js';

// A bound on the whole run: past it, the demo stops (closing the app and deleting its queues) and
// exits 1; if even that hangs, it exits anyway.
const overallTimeoutMs = Number(process.env.DEMO_TIMEOUT_MS ?? 60_000);
const stop = new AbortController();
const watchdog = setTimeout(() => {
  console.error(`orders demo: did not finish within ${overallTimeoutMs} ms; stopping`);
  stop.abort();
  setTimeout(() => {
    console.error('orders demo: could not stop cleanly; exiting');
    process.exit(1);
  }, 20_000).unref();
}, overallTimeoutMs);
watchdog.unref();

/** DEMO_TRANSPORT=memory runs without a broker; otherwise RabbitMQ, or memory when no broker answers. */
async function chooseTransport(uri: string): Promise<'amqp' | 'memory'> {
  const wanted = process.env.DEMO_TRANSPORT ?? 'amqp';
  if (wanted !== 'amqp' && wanted !== 'memory')
    throw new Error(`DEMO_TRANSPORT must be 'amqp' or 'memory', got "${wanted}"`);
  if (wanted === 'memory') return 'memory';
  if (await brokerAnswers(uri, 3000)) return 'amqp';
  console.warn(
    [
      `orders demo: no RabbitMQ answered at ${maskUri(uri)} within 3 s.`,
      '  Start one with `docker compose up -d` (or `rabbitmq-server -detached`), or set AMQP_URL.',
      '  Running on the MEMORY TRANSPORT instead (in-process, nothing leaves this process).',
    ].join('\n'),
  );
  return 'memory';
}

try {
  const uri = process.env.AMQP_URL ?? 'amqp://localhost:5672';
  await runDemo({
    uri,
    transport: await chooseTransport(uri),
    print: (line) => console.log(line),
    timeoutMs: Math.min(20_000, overallTimeoutMs),
    signal: stop.signal,
  });
  clearTimeout(watchdog);
  process.exit(0);
} catch (e) {
  console.error(`orders demo failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
