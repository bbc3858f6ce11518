import type { DeadLetter } from '../dead-letter/dead-letter.js';

function oneLine(v: unknown): string {
  if (v === undefined || v === null) return '-';
  return String(v).replace(/\s+/g, ' ').trim() || '-';
}

function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/** A plain-text table: one header row, a rule, then the rows; cells on one line, cut to `max` columns. */
export function renderTable(headers: string[], rows: string[][], max: number[] = []): string {
  const cells = rows.map((r) => r.map((c, i) => fit(c, max[i] ?? 80)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** `list` output: one row per dead letter. */
export function deadLetterTable(letters: DeadLetter[]): string {
  return renderTable(
    ['ID', 'TYPE', 'REASON', 'ATTEMPTS', 'FAILED AT', 'HANDLER', 'ERROR'],
    letters.map((l) => [
      oneLine(l.id),
      oneLine(l.type),
      oneLine(l.reason),
      oneLine(l.attempts),
      oneLine(l.failedAt),
      oneLine(l.handler),
      oneLine(
        l.errorName && l.errorMessage ? `${l.errorName}: ${l.errorMessage}` : (l.errorMessage ?? l.errorName),
      ),
    ]),
    [40, 40, 20, 8, 24, 50, 70],
  );
}

/** `show` output: every field of one dead letter, then its headers, stack and body. */
export function deadLetterDetails(l: DeadLetter): string {
  const fields: Array<[string, unknown]> = [
    ['id', l.id],
    ['type', l.type],
    ['queue', l.queue],
    ['reason', l.reason],
    ['attempts', l.attempts],
    ['handler', l.handler],
    [
      'error',
      l.errorName && l.errorMessage ? `${l.errorName}: ${l.errorMessage}` : (l.errorMessage ?? l.errorName),
    ],
    ['original exchange', l.originalExchange],
    ['original routing key', l.originalRoutingKey],
    ['first failure at', l.firstFailureAt],
    ['failed at', l.failedAt],
    ['host', l.host],
    ['correlation id', l.correlationId],
  ];
  const width = Math.max(...fields.map(([k]) => k.length));
  const out = fields.map(([k, v]) => `${k.padEnd(width)}  ${oneLine(v)}`);
  out.push('', 'headers:');
  for (const [k, v] of Object.entries(l.headers).sort(([a], [b]) => a.localeCompare(b))) {
    if (k !== 'x-error-stack') out.push(`  ${k}: ${oneLine(v)}`);
  }
  if (l.errorStack) out.push('', 'stack:', ...l.errorStack.split('\n').map((s) => `  ${s}`));
  out.push('', 'data:', JSON.stringify(l.data, null, 2));
  return out.join('\n');
}
