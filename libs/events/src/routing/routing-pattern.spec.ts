import { eventTypeProblem, matchesPattern, patternProblem } from './routing-pattern.js';

describe('matchesPattern (RabbitMQ topic semantics)', () => {
  it.each([
    ['Order.created', 'Order.created'],
    ['a', 'a'],
    ['a.b.c', 'a.b.c'],
  ])('matches the exact type %s', (pattern, type) => {
    expect(matchesPattern(pattern, type)).toBe(true);
  });

  it('does not match a different type of the same length', () => {
    expect(matchesPattern('Order.created', 'Order.updated')).toBe(false);
  });

  it('is case-sensitive', () => {
    expect(matchesPattern('Order.created', 'order.created')).toBe(false);
  });

  it('never matches part of a segment', () => {
    expect(matchesPattern('Order.create', 'Order.created')).toBe(false);
    expect(matchesPattern('Order', 'Orders')).toBe(false);
    expect(matchesPattern('Ord', 'Order.created')).toBe(false);
    expect(matchesPattern('Order.created', 'Order')).toBe(false);
    expect(matchesPattern('Order', 'Order.created')).toBe(false);
  });

  describe('* (exactly one segment)', () => {
    it('matches one segment at the end, start or middle', () => {
      expect(matchesPattern('Order.*', 'Order.created')).toBe(true);
      expect(matchesPattern('*.created', 'Order.created')).toBe(true);
      expect(matchesPattern('a.*.c', 'a.b.c')).toBe(true);
      expect(matchesPattern('*', 'Order')).toBe(true);
    });

    it('does not match zero segments', () => {
      expect(matchesPattern('Order.*', 'Order')).toBe(false);
      expect(matchesPattern('a.*.c', 'a.c')).toBe(false);
    });

    it('does not match two segments', () => {
      expect(matchesPattern('Order.*', 'Order.created.v2')).toBe(false);
      expect(matchesPattern('*', 'Order.created')).toBe(false);
      expect(matchesPattern('a.*.c', 'a.b.b.c')).toBe(false);
    });

    it('is not a partial-segment wildcard', () => {
      expect(matchesPattern('Order.*', 'Orders.created')).toBe(false);
    });

    it('matches exactly as many segments as there are stars', () => {
      expect(matchesPattern('*.*', 'a.b')).toBe(true);
      expect(matchesPattern('*.*', 'a')).toBe(false);
      expect(matchesPattern('*.*', 'a.b.c')).toBe(false);
      expect(matchesPattern('*.*.*', 'a.b.c')).toBe(true);
    });
  });

  describe('# (zero or more segments)', () => {
    it('alone matches any type', () => {
      for (const t of ['a', 'a.b', 'Order.created.v2.extra']) expect(matchesPattern('#', t)).toBe(true);
    });

    it('at the end matches zero, one or many trailing segments', () => {
      expect(matchesPattern('Order.#', 'Order')).toBe(true);
      expect(matchesPattern('Order.#', 'Order.created')).toBe(true);
      expect(matchesPattern('Order.#', 'Order.created.v2.x')).toBe(true);
      expect(matchesPattern('Order.#', 'Invoice.created')).toBe(false);
    });

    it('at the start matches zero, one or many leading segments', () => {
      expect(matchesPattern('#.created', 'created')).toBe(true);
      expect(matchesPattern('#.created', 'Order.created')).toBe(true);
      expect(matchesPattern('#.created', 'eu.Order.created')).toBe(true);
      expect(matchesPattern('#.created', 'Order.created.v2')).toBe(false);
    });

    it('in the middle matches zero, one or many segments between fixed ones', () => {
      expect(matchesPattern('a.#.z', 'a.z')).toBe(true);
      expect(matchesPattern('a.#.z', 'a.b.z')).toBe(true);
      expect(matchesPattern('a.#.z', 'a.b.c.d.z')).toBe(true);
      expect(matchesPattern('a.#.z', 'a.b.c')).toBe(false);
      expect(matchesPattern('a.#.z', 'z.a.z.q')).toBe(false);
    });

    it('backtracks when the following segment also appears earlier', () => {
      expect(matchesPattern('a.#.b.c', 'a.b.x.b.c')).toBe(true);
      expect(matchesPattern('#.b', 'b.b.b')).toBe(true);
      expect(matchesPattern('#.b.c', 'b.c.b')).toBe(false);
    });

    it('at both ends matches a segment anywhere', () => {
      expect(matchesPattern('#.created.#', 'created')).toBe(true);
      expect(matchesPattern('#.created.#', 'Order.created')).toBe(true);
      expect(matchesPattern('#.created.#', 'created.v2')).toBe(true);
      expect(matchesPattern('#.created.#', 'eu.Order.created.v2.x')).toBe(true);
      expect(matchesPattern('#.created.#', 'Order.updated')).toBe(false);
    });

    it('treats consecutive # like a single #', () => {
      expect(matchesPattern('#.#', 'a')).toBe(true);
      expect(matchesPattern('#.#', 'a.b.c')).toBe(true);
      expect(matchesPattern('a.#.#.z', 'a.z')).toBe(true);
      expect(matchesPattern('a.#.#.z', 'a.b.c.z')).toBe(true);
      expect(matchesPattern('a.#.#', 'a')).toBe(true);
      expect(matchesPattern('#.#.#.z', 'y')).toBe(false);
    });

    it('combines with * so that #.* needs at least one segment', () => {
      expect(matchesPattern('*.#', 'a')).toBe(true);
      expect(matchesPattern('#.*', 'a')).toBe(true);
      expect(matchesPattern('#.*', 'a.b.c')).toBe(true);
      expect(matchesPattern('*.#.*', 'a')).toBe(false);
      expect(matchesPattern('*.#.*', 'a.b')).toBe(true);
      expect(matchesPattern('Order.*.#', 'Order')).toBe(false);
      expect(matchesPattern('Order.*.#', 'Order.created.v2')).toBe(true);
    });

    it('stays fast on a long type against many # (no exponential blow-up in practice)', () => {
      const type = Array.from({ length: 40 }, (_, i) => `s${i}`).join('.');
      const started = performance.now();
      expect(matchesPattern('#.x.#.y.#', type)).toBe(false);
      expect(matchesPattern('#.s10.#.s20.#.s39', type)).toBe(true);
      expect(performance.now() - started).toBeLessThan(500);
    });
  });
});

describe('eventTypeProblem', () => {
  it.each(['Order.created', 'a', 'Order_v2.created-now', 'ns:Order.$special', 'A1.B2.C3'])(
    'accepts %s',
    (t) => {
      expect(eventTypeProblem(t)).toBeUndefined();
    },
  );

  it('accepts exactly 255 bytes', () => {
    expect(eventTypeProblem('a'.repeat(255))).toBeUndefined();
  });

  it.each([[''], [undefined], [null], [42], [{}]])('rejects %p as not a non-empty string', (t) => {
    expect(eventTypeProblem(t)).toMatch(/non-empty string/);
  });

  it('rejects a type over 255 bytes, counting bytes rather than characters', () => {
    expect(eventTypeProblem('a'.repeat(256))).toMatch(/255 bytes/);
    // 128 two-byte characters: 128 chars but 256 bytes
    expect(eventTypeProblem('é'.repeat(128))).toMatch(/255 bytes/);
  });

  it.each(['Order.*', '*', 'Order.#', '#', 'a.*b'])('rejects wildcards in a type: %s', (t) => {
    expect(eventTypeProblem(t)).toMatch(/no wildcards/);
  });

  it.each(['.Order', 'Order.', 'Order..created', '.'])('rejects empty segments: %s', (t) => {
    expect(eventTypeProblem(t)).toMatch(/no empty segments/);
  });

  it.each(['Order created', 'Order/created', 'Order.créé', 'a\nb', 'a+b', 'a@b'])(
    'rejects characters outside letters, digits, _ $ : - : %p',
    (t) => {
      expect(eventTypeProblem(t)).toBeDefined();
    },
  );
});

describe('patternProblem', () => {
  it.each(['Order.created', 'Order.*', '#', '*', '#.created.#', 'a.#.#.z', '*.*', 'ns:Order.$x-y_z'])(
    'accepts %s',
    (p) => {
      expect(patternProblem(p)).toBeUndefined();
    },
  );

  it.each([[''], [undefined], [null], [7]])('rejects %p as not a non-empty string', (p) => {
    expect(patternProblem(p)).toMatch(/non-empty string/);
  });

  it('rejects a pattern over 255 bytes', () => {
    expect(patternProblem('a'.repeat(255))).toBeUndefined();
    expect(patternProblem('a'.repeat(256))).toMatch(/255 bytes/);
    expect(patternProblem('ü'.repeat(128))).toMatch(/255 bytes/);
  });

  it.each(['Order.*x', 'Or*der', 'a.#b', '**', '##', 'a.*#'])(
    'rejects wildcards inside a segment: %s',
    (p) => {
      expect(patternProblem(p)).toMatch(/each a word, \* .* or #/);
    },
  );

  it.each(['.Order', 'Order.', 'a..b', '#..#', '.'])('rejects empty segments: %s', (p) => {
    expect(patternProblem(p)).toBeDefined();
  });

  it.each(['Order created', 'a/b', 'a.b?', 'Ordér'])(
    'rejects characters outside the allowed set: %p',
    (p) => {
      expect(patternProblem(p)).toBeDefined();
    },
  );
});
