// a \u escape can spell any of these keys ("\u005f_proto__"), so its presence also takes the slow path
const DANGEROUS = /"(__proto__|constructor|prototype)"\s*:|\\u/;

function dropDangerousKeys(key: string, value: unknown): unknown {
  return key === '__proto__' || key === 'constructor' || key === 'prototype' ? undefined : value;
}

/**
 * JSON.parse that never yields `__proto__`/`constructor`/`prototype` keys, so merging a payload into
 * another object cannot pollute prototypes. The reviver only runs when such a key (or any \u escape,
 * which could spell one) appears in the text.
 */
export function safeJsonParse(text: string): unknown {
  return DANGEROUS.test(text) ? JSON.parse(text, dropDangerousKeys) : JSON.parse(text);
}
