/** Topic routing: event types are dot-separated segments; patterns add `*` (one segment) and `#` (zero or more). */

const SEGMENT = '[A-Za-z0-9_$:-]+';
const EVENT_TYPE_RE = new RegExp(`^${SEGMENT}(\\.${SEGMENT})*$`);
const PATTERN_SEGMENT_RE = new RegExp(`^(${SEGMENT}|\\*|#)$`);

/** Returns a problem description, or undefined when `type` is a valid event type. */
export function eventTypeProblem(type: unknown): string | undefined {
  if (typeof type !== 'string' || type.length === 0) return 'must be a non-empty string';
  if (Buffer.byteLength(type) > 255) return 'must be at most 255 bytes';
  if (!EVENT_TYPE_RE.test(type)) {
    return 'must be dot-separated segments of letters, digits, _ $ : - (no wildcards, no empty segments)';
  }
  return undefined;
}

/** Returns a problem description, or undefined when `pattern` is a valid binding pattern. */
export function patternProblem(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string' || pattern.length === 0) return 'must be a non-empty string';
  if (Buffer.byteLength(pattern) > 255) return 'must be at most 255 bytes';
  if (!pattern.split('.').every((s) => PATTERN_SEGMENT_RE.test(s))) {
    return 'must be dot-separated segments, each a word, * (one segment) or # (zero or more)';
  }
  return undefined;
}

/** True when `type` matches topic `pattern` with RabbitMQ's semantics. */
export function matchesPattern(pattern: string, type: string): boolean {
  return matchSegments(pattern.split('.'), 0, type.split('.'), 0);
}

function matchSegments(p: string[], i: number, t: string[], j: number): boolean {
  while (i < p.length) {
    const seg = p[i];
    if (seg === '#') {
      // collapse consecutive #
      while (i + 1 < p.length && p[i + 1] === '#') i++;
      if (i === p.length - 1) return true;
      for (let k = j; k <= t.length; k++) {
        if (matchSegments(p, i + 1, t, k)) return true;
      }
      return false;
    }
    if (j >= t.length) return false;
    if (seg !== '*' && seg !== t[j]) return false;
    i++;
    j++;
  }
  return j === t.length;
}
