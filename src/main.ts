import 'reflect-metadata';
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

try {
  await runDemo({
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
