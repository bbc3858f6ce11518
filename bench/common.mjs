// Helpers shared by the benchmark's child processes: clock, payload, the publish window and pacer,
// and the IPC command loop. Plain ESM JavaScript so the bench runs with `node` and no compile step.

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const EVENT_TYPE = 'Bench.created';

/**
 * Microseconds on the system-wide monotonic clock (CLOCK_MONOTONIC via process.hrtime), so a
 * timestamp taken in the publisher process can be compared with one taken in the consumer process.
 */
export function nowUs() {
  return Number(process.hrtime.bigint() / 1000n);
}

/** CPU time (user + system) of this process in µs. */
export function cpuUs() {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Queue arguments of the raw sides: 'wire' uses a priority queue, like 'libce' (maxPriority: 10). */
export function queueArguments(mode) {
  return mode === 'wire' ? { 'x-max-priority': 10 } : {};
}

/** Whether a side is raw amqplib (declares its own exchange and queue). */
export const isRaw = (mode) => mode === 'raw' || mode === 'wire';
/** Whether a side is this library. */
export const isLib = (mode) => mode === 'lib' || mode === 'libce';

/** A ~300-byte order event (JSON). The same generator feeds every side. */
export function makeEvent(seq, sentAt) {
  return {
    orderId: `ord-${String(seq).padStart(9, '0')}`,
    customerId: `cus-${String(seq % 9973).padStart(6, '0')}`,
    seq,
    sentAt,
    status: 'created',
    currency: 'EUR',
    total: 129.85,
    items: [
      { sku: 'SKU-100234', qty: 2, price: 19.95 },
      { sku: 'SKU-200871', qty: 1, price: 89.95 },
    ],
    shipping: { city: 'Amsterdam', postcode: '1015CJ', country: 'NL' },
  };
}

/**
 * Publishes `n` events as fast as confirms allow, keeping at most `window` unconfirmed.
 * `driver.send(seq, sentAt, onSettled)` returns false when the socket is full; writing then resumes
 * when the driver calls the function it was given through `driver.onDrain` (raw amqplib's 'drain').
 */
export function runWindowed(n, window, driver) {
  return new Promise((resolve) => {
    let sent = 0;
    let settled = 0;
    let inflight = 0;
    let errors = 0;
    let paused = false;
    let firstError;
    const cpu0 = cpuUs();
    const startUs = nowUs();
    const onSettled = (err) => {
      inflight--;
      settled++;
      if (err) {
        errors++;
        firstError ??= String(err?.message ?? err);
      }
      if (settled === n) resolve({ n, startUs, endUs: nowUs(), cpuUs: cpuUs() - cpu0, errors, firstError });
      else pump();
    };
    const pump = () => {
      while (!paused && inflight < window && sent < n) {
        inflight++;
        const seq = sent++;
        if (driver.send(seq, nowUs(), onSettled) === false) paused = true;
      }
    };
    driver.onDrain(() => {
      paused = false;
      pump();
    });
    pump();
  });
}

/** Publishes `n` events at `rate` per second (paced by the clock, not by confirms), window bounded. */
export function runPaced(n, rate, window, driver) {
  return new Promise((resolve) => {
    let sent = 0;
    let settled = 0;
    let inflight = 0;
    let errors = 0;
    let paused = false;
    let firstError;
    const startUs = nowUs();
    const onSettled = (err) => {
      inflight--;
      settled++;
      if (err) {
        errors++;
        firstError ??= String(err?.message ?? err);
      }
      if (settled === n) resolve({ n, startUs, endUs: nowUs(), errors, firstError });
    };
    const tick = () => {
      const due = Math.min(n, Math.floor(((nowUs() - startUs) * rate) / 1e6) + 1);
      while (!paused && sent < due && inflight < window) {
        inflight++;
        const seq = sent++;
        if (driver.send(seq, nowUs(), onSettled) === false) paused = true;
      }
      if (sent < n) setTimeout(tick, 1);
    };
    driver.onDrain(() => {
      paused = false;
    });
    tick();
  });
}

/** Answers the orchestrator's commands: `{ id, cmd, ...args }` → `{ id, ok, result | error }`. */
export function serveCommands(handlers) {
  process.on('message', async (m) => {
    if (!m || typeof m.cmd !== 'string') return;
    try {
      const fn = handlers[m.cmd];
      if (!fn) throw new Error(`unknown command ${m.cmd}`);
      const result = await fn(m);
      process.send({ id: m.id, ok: true, result });
    } catch (e) {
      process.send({ id: m.id, ok: false, error: e?.stack ?? String(e) });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/** Tells the orchestrator the child is ready (or why it is not). */
export function signalReady(extra = {}) {
  process.send({ ready: true, ...extra });
}

export function signalFatal(e) {
  process.send({ fatal: e?.stack ?? String(e) }, () => process.exit(1));
}

/** Arguments passed as one JSON string. */
export function childArgs() {
  return JSON.parse(process.argv[2]);
}
