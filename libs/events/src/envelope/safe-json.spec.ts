import { safeJsonParse } from './safe-json.js';

describe('safeJsonParse', () => {
  afterEach(() => {
    // a failed assertion below must not leave the prototype polluted for other specs
    delete (Object.prototype as Record<string, unknown>).polluted;
  });

  it('parses ordinary JSON like JSON.parse', () => {
    const text =
      '{"id":1,"name":"x","tags":["a","b"],"nested":{"ok":true,"n":null},"when":"2024-01-01T00:00:00.000Z"}';
    expect(safeJsonParse(text)).toEqual(JSON.parse(text));
    expect(safeJsonParse('42')).toBe(42);
    expect(safeJsonParse('"s"')).toBe('s');
    expect(safeJsonParse('null')).toBeNull();
    expect(safeJsonParse('[1,2]')).toEqual([1, 2]);
  });

  it('throws a SyntaxError on invalid JSON', () => {
    expect(() => safeJsonParse('{not json')).toThrow(SyntaxError);
    expect(() => safeJsonParse('')).toThrow(SyntaxError);
  });

  it.each([
    ['__proto__', '{"a":1,"__proto__":{"polluted":"yes"}}'],
    ['constructor', '{"a":1,"constructor":{"prototype":{"polluted":"yes"}}}'],
    ['prototype', '{"a":1,"prototype":{"polluted":"yes"}}'],
    ['__proto__ with spaces before the colon', '{"a":1,"__proto__"   :{"polluted":"yes"}}'],
  ])('removes %s keys', (_, text) => {
    const parsed = safeJsonParse(text) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['a']);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
  });

  it('removes dangerous keys at any depth, including inside arrays', () => {
    const parsed = safeJsonParse('{"x":{"y":[{"__proto__":{"polluted":1},"keep":2}]},"constructor":3}');
    expect(parsed).toEqual({ x: { y: [{ keep: 2 }] } });
  });

  it('removes a __proto__ key spelled with JSON unicode escapes', () => {
    const parsed = safeJsonParse(
      '{"a":1,"\\u005f\\u005fproto\\u005f\\u005f":{"polluted":"yes"},"c\\u006fnstructor":{"polluted":"yes"}}',
    ) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['a']);
  });

  it('never pollutes Object.prototype, even when the result is merged into another object', () => {
    const texts = [
      '{"__proto__":{"polluted":"yes"}}',
      '{"constructor":{"prototype":{"polluted":"yes"}}}',
      '{"\\u005f_proto__":{"polluted":"yes"}}',
    ];
    for (const text of texts) {
      const parsed = safeJsonParse(text) as Record<string, unknown>;
      const target: Record<string, unknown> = {};
      Object.assign(target, parsed);
      deepMerge({}, parsed);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
      expect(target.polluted).toBeUndefined();
    }
  });

  it('keeps the words as values and inside longer keys', () => {
    expect(safeJsonParse('{"kind":"__proto__","my_constructor":1,"prototypeId":2}')).toEqual({
      kind: '__proto__',
      my_constructor: 1,
      prototypeId: 2,
    });
  });
});

/** A naive recursive merge, the kind of code that prototype pollution attacks target. */
function deepMerge(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
): Record<string, unknown> {
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const current = target[key];
      target[key] = deepMerge(
        current && typeof current === 'object' ? (current as Record<string, unknown>) : {},
        value as Record<string, unknown>,
      );
    } else {
      target[key] = value;
    }
  }
  return target;
}
