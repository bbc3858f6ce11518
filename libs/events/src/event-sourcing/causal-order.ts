import type { ChainedEvent, StoredEvent } from './event-store.types.js';

/**
 * Orders the events of one correlation chain causally: every event after the event that caused it
 * (depth-first, siblings by position), with its depth. Events whose cause is not in the set are roots.
 * Pure.
 */
export function causalOrder<T>(events: StoredEvent<T>[]): ChainedEvent<T>[] {
  const byId = new Map(events.map((e) => [e.id, e]));
  const children = new Map<string, StoredEvent<T>[]>();
  const roots: StoredEvent<T>[] = [];
  for (const e of [...events].sort((a, b) => a.position - b.position)) {
    const cause = e.metadata.causationId;
    if (cause && cause !== e.id && byId.has(cause)) {
      const list = children.get(cause) ?? [];
      list.push(e);
      children.set(cause, list);
    } else {
      roots.push(e);
    }
  }
  const out: ChainedEvent<T>[] = [];
  const seen = new Set<string>();
  const stack: Array<{ e: StoredEvent<T>; depth: number }> = roots.reverse().map((e) => ({ e, depth: 0 }));
  while (stack.length > 0) {
    const { e, depth } = stack.pop()!;
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    out.push({ ...e, depth });
    const kids = children.get(e.id) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ e: kids[i], depth: depth + 1 });
  }
  // a causation cycle (only possible with hand-written ids) leaves events unvisited: keep them, in position order
  for (const e of events) if (!seen.has(e.id)) out.push({ ...e, depth: 0 });
  return out;
}
