import { closestName } from './closest-name.js';

/**
 * The problem to report for `key`, which is not among `known`: names it and suggests the closest known
 * name (`"url" is not an option; did you mean "uri"?`), else lists the known ones.
 */
export function unknownKeyProblem(key: string, known: readonly string[], of?: string): string {
  const where = of ? ` of ${of}` : '';
  const suggestion = closestName(key, known);
  return suggestion
    ? `"${key}" is not an option${where}; did you mean "${suggestion}"?`
    : `"${key}" is not an option${where}; known options: ${known.join(', ')}`;
}

/** The first own key of `value` that is not in `known`, or undefined. */
export function firstUnknownKey(value: object, known: readonly string[]): string | undefined {
  return Object.keys(value).find((key) => !known.includes(key));
}

/** Lists the keys of a `Record<keyof T, true>`: the compiler checks that every key of `T` is listed. */
export function keysOf<T>(record: Record<keyof T, true>): readonly string[] {
  return Object.keys(record);
}
