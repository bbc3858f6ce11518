/** Levenshtein distance between two strings (insert, delete, substitute: cost 1 each). Pure. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The known name a misspelled `input` most likely meant, or undefined when none is close. Close means:
 * equal ignoring case, one contains the other ignoring case (`attempts` → `maxAttempts`,
 * `prefetchCount` → `prefetch`), an edit distance of at most a third of the longer name (min 1), or
 * the same first four letters (`retries` → `retry`). Among several, the smallest distance wins.
 */
export function closestName(input: string, known: readonly string[]): string | undefined {
  const lower = input.toLowerCase();
  let best: { name: string; score: number } | undefined;
  for (const name of known) {
    const candidate = name.toLowerCase();
    let score: number;
    if (candidate === lower) score = 0;
    // the shorter of the two has at least 3 letters: a 2-letter name (`ca`) is inside too many words
    else if (
      Math.min(lower.length, candidate.length) >= 3 &&
      (candidate.includes(lower) || lower.includes(candidate))
    )
      score = 0.5;
    else {
      const distance = editDistance(lower, candidate);
      const near = distance <= Math.max(1, Math.floor(Math.max(lower.length, candidate.length) / 3));
      if (!near && commonPrefix(lower, candidate) < 4) continue;
      score = distance;
    }
    if (!best || score < best.score) best = { name, score };
  }
  return best?.name;
}

function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}
