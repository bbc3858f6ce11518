// Turns per-round measurements into the results table (stdout) and docs/benchmarks.md.
/** Metrics, how each compares with raw, and its target. */
export const METRICS = [
  { key: 'publishRate', label: 'Publish throughput with confirms', unit: 'events/s', digits: 0, kind: 'ratio-min', target: 0.9 },
  { key: 'e2eRate', label: 'End-to-end throughput (publish + consume)', unit: 'events/s', digits: 0, kind: 'ratio-min', target: 0.9 },
  { key: 'p50Ms', label: 'p50 latency at 1,000 events/s', unit: 'ms', digits: 2, kind: 'info' },
  { key: 'p99Ms', label: 'p99 latency at 1,000 events/s', unit: 'ms', digits: 2, kind: 'diff-max', target: 1 },
  { key: 'pubCpuUs', label: 'Publisher CPU per event', unit: 'µs', digits: 1, kind: 'ratio-max', target: 1.3 },
  { key: 'conCpuUs', label: 'Consumer CPU per event', unit: 'µs', digits: 1, kind: 'ratio-max', target: 1.3 },
  { key: 'conRssMiB', label: 'Consumer peak RSS', unit: 'MiB', digits: 1, kind: 'abs-max', target: 80 },
  { key: 'conStartRssMiB', label: 'Consumer RSS after startup (no event yet)', unit: 'MiB', digits: 1, kind: 'info' },
];

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const fmt = (v, digits) => (Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');
const signed = (v, digits, unit) => `${v >= 0 ? '+' : ''}${fmt(v, digits)}${unit}`;

/** One row per metric: medians, comparison, target, pass/fail (and the wire-format reference, if run). */
export function summarize(rounds) {
  return METRICS.map((m) => {
    const raw = median(rounds.raw.map((r) => r[m.key]));
    const lib = median(rounds.lib.map((r) => r[m.key]));
    const wire = rounds.wire?.length ? median(rounds.wire.map((r) => r[m.key])) : undefined;
    const ratio = lib / raw;
    const vsWire = wire === undefined ? '' : m.kind === 'diff-max' ? signed(lib - wire, 2, ' ms') : `${fmt(lib / wire, 2)}×`;
    let compare = `${fmt(ratio, 2)}×`;
    let target = '';
    let pass;
    if (m.kind === 'ratio-min') {
      target = `≥ ${m.target}× raw`;
      pass = ratio >= m.target;
    } else if (m.kind === 'ratio-max') {
      target = `≤ ${m.target}× raw`;
      pass = ratio <= m.target;
    } else if (m.kind === 'diff-max') {
      compare = signed(lib - raw, 2, ' ms');
      target = `≤ raw + ${m.target} ms`;
      pass = lib - raw <= m.target;
    } else if (m.kind === 'abs-max') {
      target = `≤ ${m.target} ${m.unit}`;
      pass = lib <= m.target;
    }
    return { ...m, raw, lib, wire, ratio, compare, vsWire, targetText: target, pass };
  });
}

export function markdownTable(rows) {
  const withWire = rows.some((r) => r.wire !== undefined);
  const lines = [
    `| Metric | raw amqplib | library | library vs raw | Target | Result |${withWire ? ' raw amqplib + library wire format | library vs that |' : ''}`,
    `|---|---:|---:|---:|---|---|${withWire ? '---:|---:|' : ''}`,
  ];
  for (const r of rows) {
    const result = r.pass === undefined ? '—' : r.pass ? 'pass' : '**FAIL**';
    const wire = withWire ? ` ${fmt(r.wire, r.digits)} ${r.unit} | ${r.vsWire} |` : '';
    lines.push(`| ${r.label} | ${fmt(r.raw, r.digits)} ${r.unit} | ${fmt(r.lib, r.digits)} ${r.unit} | ${r.compare} | ${r.targetText || '—'} | ${result} |${wire}`);
  }
  return lines.join('\n');
}

const SIDE_NAMES = { raw: 'raw amqplib', wire: 'raw + wire format', lib: 'library' };

export function perRoundTable(rounds) {
  const sides = Object.keys(SIDE_NAMES).filter((s) => rounds[s]?.length);
  const lines = [`| Metric | ${sides.map((s) => SIDE_NAMES[s]).join(' | ')} |`, `|---|${sides.map(() => '---|').join('')}`];
  for (const m of METRICS) {
    const list = (side) => rounds[side].map((r) => fmt(r[m.key], m.digits)).join(', ');
    lines.push(`| ${m.label} (${m.unit}) | ${sides.map(list).join(' | ')} |`);
  }
  return lines.join('\n');
}
