// Turns per-round measurements into the results tables (stdout) and docs/benchmarks.md.

/** Contenders, in table order. 'wire' and 'libce' are the CloudEvents-headers + priority-queue pair. */
export const SIDES = {
  raw: 'raw amqplib',
  lib: 'this library',
  golevelup: '@golevelup/nestjs-rabbitmq',
  nestrmq: "Nest's RMQ transport",
  wire: 'raw amqplib, CE headers + priority queue',
  libce: "this library, cloudEvents: 'headers' + maxPriority 10",
};

export const METRICS = [
  { key: 'publishRate', label: 'Publish throughput with confirms', unit: 'events/s', digits: 0, higher: true },
  { key: 'e2eRate', label: 'End-to-end throughput (publish + consume)', unit: 'events/s', digits: 0, higher: true },
  { key: 'p50Ms', label: 'p50 latency at 1,000 events/s', unit: 'ms', digits: 2 },
  { key: 'p99Ms', label: 'p99 latency at 1,000 events/s', unit: 'ms', digits: 2 },
  { key: 'pubCpuUs', label: 'Publisher CPU per event', unit: 'µs', digits: 1 },
  { key: 'conCpuUs', label: 'Consumer CPU per event', unit: 'µs', digits: 1 },
  { key: 'setupMs', label: 'Consumer setup (imports, connect, declare, consume)', unit: 'ms', digits: 0 },
  { key: 'conStartRssMiB', label: 'Consumer RSS after setup', unit: 'MiB', digits: 1 },
  { key: 'conRssMiB', label: 'Consumer peak RSS', unit: 'MiB', digits: 1 },
];

export function median(values) {
  const s = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const fmt = (v, digits) => (Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');

/** Medians per side and metric: { side: { key: value } }. */
export function medians(rounds) {
  const out = {};
  for (const side of Object.keys(rounds)) {
    if (!rounds[side].length) continue;
    out[side] = Object.fromEntries(METRICS.map((m) => [m.key, median(rounds[side].map((r) => r[m.key]))]));
  }
  return out;
}

/** Every contender's median, with its ratio to raw amqplib (p99: difference to raw). */
export function contendersTable(med) {
  const sides = Object.keys(SIDES).filter((s) => med[s]);
  const lines = [`| Metric | ${sides.map((s) => SIDES[s]).join(' | ')} |`, `|---|${sides.map(() => '---:|').join('')}`];
  for (const m of METRICS) {
    const cell = (s) => {
      const v = med[s][m.key];
      if (s === 'raw' || !med.raw) return `${fmt(v, m.digits)} ${m.unit}`;
      const rel = m.key.endsWith('Ms') && m.key.startsWith('p') ? `${v - med.raw[m.key] >= 0 ? '+' : ''}${fmt(v - med.raw[m.key], 2)} ms` : `${fmt(v / med.raw[m.key], 2)}×`;
      return `${fmt(v, m.digits)} ${m.unit} (${rel})`;
    };
    lines.push(`| ${m.label} | ${sides.map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The targets of issue 9 for this library, each with the measured value and pass/fail. */
export function targets(med, rounds = {}) {
  const lib = med.lib;
  const raw = med.raw;
  const gl = med.golevelup;
  const t = [];
  const add = (label, value, pass) => t.push({ label, value, pass });
  if (lib && raw) {
    for (const key of ['publishRate', 'e2eRate']) {
      const m = METRICS.find((x) => x.key === key);
      add(`${m.label} ≥ 1.0× raw${gl ? ' and ≥ golevelup' : ''}`, `${fmt(lib[key] / raw[key], 2)}× raw${gl ? `, ${fmt(lib[key] / gl[key], 2)}× golevelup` : ''}`, lib[key] >= raw[key] && (!gl || lib[key] >= gl[key]));
    }
    add('Publisher CPU per event ≤ 1.15× raw', `${fmt(lib.pubCpuUs / raw.pubCpuUs, 2)}×`, lib.pubCpuUs <= 1.15 * raw.pubCpuUs);
    add('Consumer CPU per event ≤ 1.1× raw', `${fmt(lib.conCpuUs / raw.conCpuUs, 2)}×`, lib.conCpuUs <= 1.1 * raw.conCpuUs);
    add('p99 at 1,000 events/s ≤ raw + 0.5 ms', `${lib.p99Ms - raw.p99Ms >= 0 ? '+' : ''}${fmt(lib.p99Ms - raw.p99Ms, 2)} ms vs raw`, lib.p99Ms <= raw.p99Ms + 0.5);
  }
  if (lib && gl) {
    add('Consumer setup ≤ 2× golevelup', `${fmt(lib.setupMs / gl.setupMs, 2)}× (${fmt(lib.setupMs, 0)} vs ${fmt(gl.setupMs, 0)} ms)`, lib.setupMs <= 2 * gl.setupMs);
    add('Consumer peak RSS ≤ golevelup', `${fmt(lib.conRssMiB, 1)} vs ${fmt(gl.conRssMiB, 1)} MiB`, lib.conRssMiB <= gl.conRssMiB);
  }
  if (med.libce && med.wire) {
    const sentHeaders = (rounds.libce ?? []).every((r) => r.ceHeaders !== false);
    add(
      "cloudEvents: 'headers' + priority queue: publish ≥ 0.9× raw amqplib sending the same format",
      `${fmt(med.libce.publishRate / med.wire.publishRate, 2)}×`,
      sentHeaders ? med.libce.publishRate >= 0.9 * med.wire.publishRate : undefined,
    );
  }
  return t;
}

export function targetsTable(t) {
  const lines = ['| Target (issue 9) | Measured | Result |', '|---|---|---|'];
  const result = (x) => (x.pass === undefined ? 'not comparable: the library sent no cloudEvents:* headers (option not wired yet)' : x.pass ? 'pass' : '**missed**');
  for (const x of t) lines.push(`| ${x.label} | ${x.value} | ${result(x)} |`);
  return lines.join('\n');
}

export function perRoundTable(rounds) {
  const sides = Object.keys(SIDES).filter((s) => rounds[s]?.length);
  const lines = [`| Metric | ${sides.map((s) => SIDES[s]).join(' | ')} |`, `|---|${sides.map(() => '---|').join('')}`];
  for (const m of METRICS) {
    const list = (side) => rounds[side].map((r) => fmt(r[m.key], m.digits)).join(', ');
    lines.push(`| ${m.label} (${m.unit}) | ${sides.map(list).join(' | ')} |`);
  }
  return lines.join('\n');
}
