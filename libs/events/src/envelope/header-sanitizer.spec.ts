import {
  applicationHeaders,
  headerProblem,
  isReservedHeader,
  republishableHeaders,
} from './header-sanitizer.js';

describe('isReservedHeader', () => {
  it.each([
    'CC',
    'BCC',
    'cc',
    'bcc',
    'x-death',
    'x-first-death-queue',
    'x-first-death-reason',
    'x-last-death-exchange',
    'cloudEvents:type',
    'cloudEvents:anything',
    'nae-delay-target',
    'nae-delay-05',
    'traceparent',
    'tracestate',
    'x-causation-id',
    'x-attempt',
    'x-retry-policy',
    'x-error-message',
    'x-dead-letter-reason',
    'x-delivery-count',
  ])('reserves %s', (name) => {
    expect(isReservedHeader(name)).toBe(true);
  });

  it.each(['tenant', 'x-tenant', 'x-request-id', 'Cc-list', 'ccx', 'cloudevents', 'nae', 'death'])(
    'leaves %s to the application',
    (name) => {
      expect(isReservedHeader(name)).toBe(false);
    },
  );
});

describe('headerProblem', () => {
  it.each([['s'], [''], [0], [-1.5], [true], [false], [null]])('accepts the value %p', (v) => {
    expect(headerProblem('h', v)).toBeUndefined();
  });

  it.each([[Number.NaN], [Number.POSITIVE_INFINITY]])('rejects the non-finite number %p', (v) => {
    expect(headerProblem('h', v)).toMatch(/finite number/);
  });

  it.each([[undefined], [{}], [[1]], [10n], [Symbol('s')], [() => 1]])('rejects the value %p', (v) => {
    expect(headerProblem('h', v)).toMatch(/must be a string, number, boolean or null/);
  });

  it('rejects strings over 16 KiB, counted in bytes', () => {
    expect(headerProblem('h', 'a'.repeat(16_384))).toBeUndefined();
    expect(headerProblem('h', 'a'.repeat(16_385))).toMatch(/16 KiB/);
    expect(headerProblem('h', 'é'.repeat(8193))).toMatch(/16 KiB/);
  });

  it('rejects empty names and names over 255 bytes', () => {
    expect(headerProblem('', 'v')).toMatch(/1\.\.255 bytes/);
    expect(headerProblem('n'.repeat(255), 'v')).toBeUndefined();
    expect(headerProblem('n'.repeat(256), 'v')).toMatch(/1\.\.255 bytes/);
  });
});

describe('applicationHeaders', () => {
  it('returns an empty object for undefined', () => {
    expect(applicationHeaders(undefined)).toEqual({});
  });

  it('drops library and broker headers and keeps scalar application headers', () => {
    expect(
      applicationHeaders({
        tenant: 'acme',
        n: 1,
        b: false,
        z: null,
        'x-death': [{}],
        'x-first-death-exchange': 'e',
        'x-last-death-queue': 'q',
        CC: ['a'],
        BCC: ['b'],
        'cloudEvents:id': 'id',
        'nae-delay-target': 'publish',
        'x-attempt': 1,
      }),
    ).toEqual({ tenant: 'acme', n: 1, b: false, z: null });
  });

  it('drops values that are not string, number, boolean or null', () => {
    expect(
      applicationHeaders({ obj: { a: 1 }, arr: [1], buf: Buffer.from('x'), undef: undefined, ok: 'y' }),
    ).toEqual({ ok: 'y' });
  });
});

describe('republishableHeaders', () => {
  it('returns an empty object for undefined', () => {
    expect(republishableHeaders(undefined)).toEqual({});
  });

  it('strips x-death, x-first-death-*, x-last-death-*, nae-*, CC/BCC and x-delivery-count', () => {
    const out = republishableHeaders({
      'x-death': [{ count: 1 }],
      'x-first-death-exchange': 'events.delay.03',
      'x-first-death-queue': 'events.delay.03',
      'x-first-death-reason': 'expired',
      'x-last-death-exchange': 'e',
      'x-last-death-queue': 'q',
      'x-last-death-reason': 'rejected',
      'nae-delay-target': 'retry',
      'nae-delay-02': '1',
      CC: ['x'],
      BCC: ['y'],
      cc: ['x'],
      bcc: ['y'],
      'x-delivery-count': 2,
      keep: 'me',
    });
    expect(out).toEqual({ keep: 'me' });
  });

  it('keeps library headers the copy still needs (CloudEvents, attempt, trace, causation, error headers)', () => {
    const headers = {
      'cloudEvents:id': 'id',
      'cloudEvents:type': 'Order.created',
      'x-attempt': 2,
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'x-causation-id': 'c',
      'x-first-failure-at': '2024-01-01T00:00:00.000Z',
      'x-original-routing-key': 'Order.created',
      tenant: { nested: true },
    };
    expect(republishableHeaders(headers)).toEqual(headers);
  });

  it('returns a copy, never the input object', () => {
    const input = { a: 1 };
    const out = republishableHeaders(input);
    out.b = 2;
    expect(input).toEqual({ a: 1 });
  });
});
