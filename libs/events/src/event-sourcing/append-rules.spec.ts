import { publishItems, validateAppend, versionMatches } from './append-rules.js';

describe('append rules', () => {
  it('matches expectedVersion: a number, no-stream or any', () => {
    expect(versionMatches(3, 3)).toBe(true);
    expect(versionMatches(2, 3)).toBe(false);
    expect(versionMatches('no-stream', 0)).toBe(true);
    expect(versionMatches('no-stream', 1)).toBe(false);
    expect(versionMatches('any', 42)).toBe(true);
  });

  it('publishes with the same ids, stream headers and x-schema-version only above 1, in the transaction', () => {
    const m = { tx: true } as never;
    const items = publishItems(
      'Order-1',
      4,
      [
        {
          type: 'Order.placed',
          data: { a: 1 },
          id: 'e1',
          schemaVersion: 1,
          correlationId: 'c',
          headers: { tenant: 't' },
        },
        { type: 'Order.paid', data: {}, id: 'e2', schemaVersion: 3, causationId: 'e1' },
      ],
      m,
    );
    expect(items[0]).toEqual({
      type: 'Order.placed',
      data: { a: 1 },
      options: expect.objectContaining({
        id: 'e1',
        correlationId: 'c',
        transaction: m,
        headers: { tenant: 't', 'x-stream-id': 'Order-1', 'x-stream-version': 5 },
      }),
    });
    expect(items[1].options?.headers).toEqual({
      'x-stream-id': 'Order-1',
      'x-stream-version': 6,
    });
    expect(items[1].options?.schemaVersion).toBe(3);
    expect(items[1].options?.causationId).toBe('e1');
  });

  it('refuses bad input naming the field', () => {
    expect(() => validateAppend('x'.repeat(256), [], { expectedVersion: 'any' })).toThrow(/streamId/);
    expect(() => validateAppend('s', {} as never, { expectedVersion: 'any' })).toThrow(
      /events must be an array/,
    );
    expect(() => validateAppend('s', [], { expectedVersion: 1.5 })).toThrow(/expectedVersion/);
    expect(() =>
      validateAppend('s', [{ type: 'A', data: 1, schemaVersion: 0 }], { expectedVersion: 'any' }),
    ).toThrow(/events\[0\]\.schemaVersion/);
    expect(() => validateAppend('s', [{ type: 'A', data: 1 }], { expectedVersion: 0 })).not.toThrow();
  });
});
