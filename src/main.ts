import 'reflect-metadata';
import { runDemo } from './demo/demo.runner.js';

// Hard bound on the whole run (startup, flow, shutdown, cleanup): never hang.
const overallTimeoutMs = Number(process.env.DEMO_TIMEOUT_MS ?? 60_000);
const watchdog = setTimeout(() => {
  console.error(`orders demo: did not finish within ${overallTimeoutMs} ms; giving up`);
  process.exit(1);
}, overallTimeoutMs);
watchdog.unref();

try {
  await runDemo({ print: (line) => console.log(line), timeoutMs: Math.min(20_000, overallTimeoutMs) });
  clearTimeout(watchdog);
  process.exit(0);
} catch (e) {
  console.error(`orders demo failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
