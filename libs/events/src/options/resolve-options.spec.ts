import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { EventsError } from '../errors/events.error.js';
import type { EventsModuleOptions } from '../interfaces/events-module-options.interface.js';
import { DEFAULT_RETRY_POLICY, maskUri, resolveOptions, resolveRetryPolicy } from './resolve-options.js';

/** Lets a spec pass deliberately wrong values, as untyped JavaScript or a config file would. */
const opts = (o: Record<string, unknown>): EventsModuleOptions =>
  ({ service: 'billing', ...o }) as unknown as EventsModuleOptions;

function errorOf(fn: () => unknown): InvalidOptionsError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidOptionsError);
    return e as InvalidOptionsError;
  }
  throw new Error('expected an InvalidOptionsError');
}

describe('resolveOptions', () => {
  it('applies the documented defaults', () => {
    expect(resolveOptions({ service: 'billing' })).toEqual({
      service: 'billing',
      uris: ['amqp://localhost:5672'],
      exchange: 'events',
      prefetch: 20,
      retry: { maxAttempts: 3, backoff: 'exponential', initialDelayMs: 1000, maxDelayMs: 60_000, jitter: 0 },
      nonRetryableErrors: [],
      queueType: 'classic',
      transport: 'amqp',
      persistence: undefined,
      shutdownTimeoutMs: 10_000,
      connectTimeoutMs: 10_000,
      heartbeatSeconds: 10,
      reconnectDelayMs: 1000,
      publishTimeoutMs: 10_000,
      maxBufferedPublishes: 10_000,
      maxPayloadBytes: 1024 * 1024,
      consume: true,
      startupTimeoutMs: 30_000,
      name: 'default',
      maxPriority: undefined,
      cloudEvents: 'properties',
      enhancers: 'auto',
      rateLimit: undefined,
      encryption: undefined,
      tls: undefined,
      userId: undefined,
    });
  });

  it('keeps the values given', () => {
    class Declined extends Error {}
    const dataSource = {};
    const r = resolveOptions({
      service: 'billing',
      uri: ['amqp://a:5672', 'amqps://b:5671'],
      exchange: 'shop.events',
      prefetch: 50,
      retry: { maxAttempts: 5, backoff: 'linear' },
      nonRetryableErrors: [Declined],
      queueType: 'quorum',
      transport: 'memory',
      persistence: { dataSource },
      consume: false,
    });
    expect(r).toMatchObject({
      uris: ['amqp://a:5672', 'amqps://b:5671'],
      exchange: 'shop.events',
      prefetch: 50,
      retry: { maxAttempts: 5, backoff: 'linear', initialDelayMs: 1000, maxDelayMs: 60_000, jitter: 0 },
      nonRetryableErrors: [Declined],
      queueType: 'quorum',
      transport: 'memory',
      consume: false,
    });
    expect(r.persistence?.dataSource).toBe(dataSource);
  });

  it('turns a single uri into a one-element list', () => {
    expect(resolveOptions({ service: 's', uri: 'amqp://guest:guest@127.0.0.1:5672' }).uris).toEqual([
      'amqp://guest:guest@127.0.0.1:5672',
    ]);
  });

  it('does not share the default retry policy object between calls', () => {
    const a = resolveOptions({ service: 'a', retry: { maxAttempts: 7 } });
    expect(a.retry.maxAttempts).toBe(7);
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBe(3);
  });

  it('throws typed errors that are EventsErrors with the option on them', () => {
    const e = errorOf(() => resolveOptions(opts({ prefetch: 0 })));
    expect(e).toBeInstanceOf(EventsError);
    expect(e.name).toBe('InvalidOptionsError');
    expect(e.option).toBe('prefetch');
  });

  it.each<[string, Record<string, unknown> | undefined, string]>([
    ['options missing', undefined, 'options'],
    ['service missing', { service: undefined }, 'service'],
    ['service empty', { service: '' }, 'service'],
    ['service with a space', { service: 'my service' }, 'service'],
    ['service with a slash', { service: 'a/b' }, 'service'],
    ['service not a string', { service: 42 }, 'service'],
    ['exchange amq.x', { exchange: 'amq.x' }, 'exchange'],
    ['exchange empty', { exchange: '' }, 'exchange'],
    ['exchange with a space', { exchange: 'my events' }, 'exchange'],
    ['uri not amqp', { uri: 'http://localhost:5672' }, 'uri'],
    ['uri not a string', { uri: 5672 }, 'uri'],
    ['uri with a space', { uri: 'amqp://local host' }, 'uri'],
    ['uri list empty', { uri: [] }, 'uri'],
    ['uri list with a bad second entry', { uri: ['amqp://a', 'localhost:5672'] }, 'uri[1]'],
    ['prefetch 0', { prefetch: 0 }, 'prefetch'],
    ['prefetch fractional', { prefetch: 1.5 }, 'prefetch'],
    ['prefetch as a string', { prefetch: '10' }, 'prefetch'],
    ['prefetch over 65535', { prefetch: 65_536 }, 'prefetch'],
    ['retry not an object', { retry: 3 }, 'retry'],
    ['retry.maxAttempts 0', { retry: { maxAttempts: 0 } }, 'retry.maxAttempts'],
    ['retry.initialDelayMs negative', { retry: { initialDelayMs: -1 } }, 'retry.initialDelayMs'],
    [
      'retry.maxDelayMs below initialDelayMs',
      { retry: { initialDelayMs: 5000, maxDelayMs: 1000 } },
      'retry.maxDelayMs',
    ],
    ['retry.backoff weird', { retry: { backoff: 'weird' } }, 'retry.backoff'],
    ['retry.jitter 2', { retry: { jitter: 2 } }, 'retry.jitter'],
    ['retry.jitter negative', { retry: { jitter: -0.1 } }, 'retry.jitter'],
    ['retry.jitter a string', { retry: { jitter: 'yes' } }, 'retry.jitter'],
    ['queueType', { queueType: 'stream' }, 'queueType'],
    ['transport', { transport: 'kafka' }, 'transport'],
    ['nonRetryableErrors not classes', { nonRetryableErrors: ['Error'] }, 'nonRetryableErrors'],
    ['persistence without dataSource', { persistence: {} }, 'persistence'],
    ['persistence not an object', { persistence: 'sqlite' }, 'persistence'],
    ['consume not a boolean', { consume: 'yes' }, 'consume'],
    ['shutdownTimeoutMs negative', { shutdownTimeoutMs: -1 }, 'shutdownTimeoutMs'],
    ['heartbeatSeconds 0', { heartbeatSeconds: 0 }, 'heartbeatSeconds'],
    ['maxPayloadBytes 0', { maxPayloadBytes: 0 }, 'maxPayloadBytes'],
  ])('rejects %s, naming the option', (_, input, option) => {
    const e = errorOf(() =>
      resolveOptions(input === undefined ? (undefined as unknown as EventsModuleOptions) : opts(input)),
    );
    expect(e.option).toBe(option);
    expect(e.message).toContain(`"${option}"`);
  });

  it('accepts exchange names that merely contain amq', () => {
    expect(resolveOptions({ service: 's', exchange: 'my.amq.events' }).exchange).toBe('my.amq.events');
  });

  it('accepts jitter as a boolean and at the bounds 0 and 1', () => {
    for (const jitter of [true, false, 0, 1, 0.2])
      expect(resolveOptions({ service: 's', retry: { jitter } }).retry.jitter).toBe(jitter);
  });

  it('rejects a maxDelayMs below the initialDelayMs in effect (the default 1 s when not given)', () => {
    expect(errorOf(() => resolveOptions({ service: 's', retry: { maxDelayMs: 500 } })).option).toBe(
      'retry.maxDelayMs',
    );
    expect(
      resolveOptions({ service: 's', retry: { initialDelayMs: 100, maxDelayMs: 500 } }).retry,
    ).toMatchObject({ initialDelayMs: 100, maxDelayMs: 500 });
  });

  it('accepts amqps URIs and URIs with vhost and query', () => {
    expect(resolveOptions({ service: 's', uri: 'amqps://u:p@host:5671/vhost?heartbeat=5' }).uris).toEqual([
      'amqps://u:p@host:5671/vhost?heartbeat=5',
    ]);
  });

  describe('never leaks a password in an error message', () => {
    it.each([
      ['a non-amqp scheme', 'http://user:s3cr3t-pw@host:5672'],
      ['a space in the URI', 'amqp://user:s3cr3t-pw@local host'],
      ['a space in the password', 'amqp://user:s3cr3t-pw and more@host'],
      ['no scheme', 'user:s3cr3t-pw@host:5672'],
      ['a single slash', 'amqp:/user:s3cr3t-pw@host'],
      ['an @ in the password', 'http://user:s3cr3t-pw@x@host'],
      ['an upper-case scheme', 'AMQP://user:s3cr3t-pw@host with space'],
    ])('with %s', (_, uri) => {
      for (const input of [uri, ['amqp://ok:5672', uri]]) {
        const e = errorOf(() => resolveOptions({ service: 's', uri: input }));
        expect(e.message).not.toContain('s3cr3t-pw');
        expect(e.message).not.toContain('s3cr3t');
      }
    });

    it('still names the offending list entry', () => {
      const e = errorOf(() =>
        resolveOptions({ service: 's', uri: ['amqp://a', 'http://user:s3cr3t-pw@host'] }),
      );
      expect(e.option).toBe('uri[1]');
      expect(e.message).toContain('"uri[1]"');
      expect(e.message).not.toContain('s3cr3t-pw');
    });
  });
});

describe('resolveRetryPolicy', () => {
  it('returns the base when nothing is given', () => {
    expect(resolveRetryPolicy('retry', undefined, DEFAULT_RETRY_POLICY)).toBe(DEFAULT_RETRY_POLICY);
  });

  it('merges a partial policy over the base', () => {
    expect(
      resolveRetryPolicy('retry', { backoff: 'fixed', initialDelayMs: 250 }, DEFAULT_RETRY_POLICY),
    ).toEqual({
      ...DEFAULT_RETRY_POLICY,
      backoff: 'fixed',
      initialDelayMs: 250,
    });
  });

  it('names the option path it was given', () => {
    expect(
      errorOf(() =>
        resolveRetryPolicy('OrderHandlers.onCreated retry', { maxAttempts: 0 }, DEFAULT_RETRY_POLICY),
      ).option,
    ).toBe('OrderHandlers.onCreated retry.maxAttempts');
  });

  it('allows maxAttempts 1 (no retry) and up to 1000', () => {
    expect(resolveRetryPolicy('retry', { maxAttempts: 1 }, DEFAULT_RETRY_POLICY).maxAttempts).toBe(1);
    expect(resolveRetryPolicy('retry', { maxAttempts: 1000 }, DEFAULT_RETRY_POLICY).maxAttempts).toBe(1000);
    expect(
      errorOf(() => resolveRetryPolicy('retry', { maxAttempts: 1001 }, DEFAULT_RETRY_POLICY)).option,
    ).toBe('retry.maxAttempts');
  });
});

describe('maskUri', () => {
  it.each([
    ['amqp://user:secret@host', 'amqp://user:***@host'],
    ['amqps://user:secret@host:5671/vhost', 'amqps://user:***@host:5671/vhost'],
    ['amqp://:secret@host', 'amqp://:***@host'],
    ['amqp://user:p@ss@host', 'amqp://user:***@host'],
  ])('masks the password of %s', (uri, masked) => {
    expect(maskUri(uri)).toBe(masked);
  });

  it.each(['amqp://localhost:5672', 'amqp://user@host', 'amqps://host:5671/vhost', 'amqp://user@host:5672'])(
    'leaves %s without a password unchanged',
    (uri) => {
      expect(maskUri(uri)).toBe(uri);
    },
  );

  it('masks a URI inside a longer message', () => {
    const masked = maskUri('connect to amqp://guest:hunter2@127.0.0.1:5672 failed: ECONNREFUSED');
    expect(masked).not.toContain('hunter2');
    expect(masked).toBe('connect to amqp://guest:***@127.0.0.1:5672 failed: ECONNREFUSED');
  });

  it('leaves a message with a node name (rabbit@host) but no URI password alone', () => {
    const text = 'CONNECTION_FORCED - broker forced connection closure on rabbit@node1';
    expect(maskUri(text)).toBe(text);
  });
});

describe('resolveOptions: unknown keys', () => {
  it('rejects a misspelled top-level option and suggests the closest name', () => {
    const e = errorOf(() => resolveOptions(opts({ url: 'amqp://broker:5672' })));
    expect(e.option).toBe('url');
    expect(e.message).toBe(
      'Invalid nestjs-amqp-events option "url": "url" is not an option; did you mean "uri"?',
    );
    expect(errorOf(() => resolveOptions(opts({ prefetchCount: 5 }))).message).toContain(
      'did you mean "prefetch"?',
    );
  });

  it('rejects an unknown key in retry, naming the path', () => {
    const e = errorOf(() => resolveOptions(opts({ retry: { attempts: 3 } })));
    expect(e.option).toBe('retry.attempts');
    expect(e.message).toContain('"attempts" is not an option of retry; did you mean "maxAttempts"?');
  });

  it('rejects an unknown key in persistence before asking for the dataSource', () => {
    const e = errorOf(() => resolveOptions(opts({ persistence: { datasource: {} } })));
    expect(e.option).toBe('persistence.datasource');
    expect(e.message).toContain('did you mean "dataSource"?');
  });

  it('lists the known options when nothing is close', () => {
    expect(errorOf(() => resolveOptions(opts({ zzzzzzzz: 1 }))).message).toContain(
      'known options: service, uri, exchange',
    );
  });
});
