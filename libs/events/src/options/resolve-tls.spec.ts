import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type { EventsModuleOptions } from '../interfaces/events-module-options.interface.js';
import { resolveOptions } from './resolve-options.js';
import { connectionUser } from './resolve-user-id.js';

/** A self-signed certificate and its key, made for this spec (not secret, never used on a network). */
const CERT = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBhTCCASugAwIBAgIUVfD+U+xne+RdGVdUeBvJEJthl1kwCgYIKoZIzj0EAwIw',
  'FzEVMBMGA1UEAwwMc3BlYy1maXh0dXJlMCAXDTI2MTEyNzIwMzQ1N1oYDzIxMjYx',
  'MTAzMjAzNDU3WjAXMRUwEwYDVQQDDAxzcGVjLWZpeHR1cmUwWTATBgcqhkjOPQIB',
  'BggqhkjOPQMBBwNCAARG1Mj6VseMwnalByZyIdbnnbzlZy9+x1cIceaWg4HEWhp/',
  'l5l/aqmLjmPHPSeTY/JNbbk+J9XYYUExDqDgv2Yxo1MwUTAdBgNVHQ4EFgQU7EEC',
  'aXa7qpW5NPhmtS+8hz8K/W4wHwYDVR0jBBgwFoAU7EECaXa7qpW5NPhmtS+8hz8K',
  '/W4wDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA9jLRLSZgoDDa',
  'g2JHo3r8Q2bTfOhd8xRvKw5sgfez6lYCIGErGnyagHjXV0uW14UUybpPPYwRjcCy',
  'ITBNxX8h5/mS',
  '-----END CERTIFICATE-----',
].join('\n');
const KEY = [
  '-----BEGIN PRIVATE KEY-----',
  'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgYnOOF23bmqN6jKEl',
  'T3joVFZpqnHOB/Fo6ardPN8/OTuhRANCAARG1Mj6VseMwnalByZyIdbnnbzlZy9+',
  'x1cIceaWg4HEWhp/l5l/aqmLjmPHPSeTY/JNbbk+J9XYYUExDqDgv2Yx',
  '-----END PRIVATE KEY-----',
].join('\n');
/** A key of another pair. */
const OTHER_KEY = [
  '-----BEGIN PRIVATE KEY-----',
  'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgeYtoC6iQOafi34gV',
  'iPvE4lgTYvB+mu0BKB4eBRdzQIehRANCAARxfsQPaLzrj7+PD42GceYWTUCd404J',
  'KZCsQZepS1OEyaynKnXKWv5Wd35VPu2n6McGw0XjH08tw5Y5Nrxkk08A',
  '-----END PRIVATE KEY-----',
].join('\n');
/** KEY encrypted with the passphrase "right-pass". */
const ENCRYPTED_KEY = [
  '-----BEGIN ENCRYPTED PRIVATE KEY-----',
  'MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiWYI5clTBaUwICCAAw',
  'DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEE0bDa5CAlyXACRWF/uT/JIEgZAU',
  'VQ7r4OrC7UIB3ZSnWPQgdx8LHhWyJK2mn/ZJwQ6M68q078f8Xc6RJ+2lICKDzdGS',
  'tfllOfOtkWN3ezRd6FWfWhAI0NX64FzY9ASJO5D3/OM0zmWyyeXpjKc3aQUTIfvD',
  'iusKpvI9vUunArieYptn2ySe9jlssK6/KV54yF7G9q2iG2DfYaywbDgHasI0EPQ=',
  '-----END ENCRYPTED PRIVATE KEY-----',
].join('\n');

const TLS_URI = 'amqps://svc:pw@rabbit.internal:5671';

/** Lets a spec pass deliberately wrong values, as untyped JavaScript or a config file would. */
const opts = (o: Record<string, unknown>): EventsModuleOptions =>
  ({ service: 'billing', uri: TLS_URI, ...o }) as unknown as EventsModuleOptions;

function errorOf(fn: () => unknown): InvalidOptionsError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidOptionsError);
    return e as InvalidOptionsError;
  }
  throw new Error('expected an InvalidOptionsError');
}

describe('resolveOptions: tls', () => {
  it('is off unless given', () => {
    expect(resolveOptions(opts({})).tls).toBeUndefined();
  });

  it('keeps PEM strings and Buffers, a CA list, servername and rejectUnauthorized', () => {
    const r = resolveOptions(
      opts({
        tls: {
          ca: [CERT, Buffer.from(CERT)],
          cert: CERT,
          key: Buffer.from(KEY),
          servername: 'rabbit.example',
        },
      }),
    );
    expect(r.tls).toEqual({
      ca: [CERT, Buffer.from(CERT)],
      cert: CERT,
      key: Buffer.from(KEY),
      servername: 'rabbit.example',
      rejectUnauthorized: true,
    });
    expect(resolveOptions(opts({ tls: { ca: CERT, rejectUnauthorized: false } })).tls).toEqual({
      ca: [CERT],
      rejectUnauthorized: false,
    });
  });

  it('accepts an encrypted key with its passphrase', () => {
    expect(
      resolveOptions(opts({ tls: { cert: CERT, key: ENCRYPTED_KEY, passphrase: 'right-pass' } })).tls,
    ).toMatchObject({ passphrase: 'right-pass' });
  });

  it('rejects an unknown key under tls, naming it and suggesting the closest', () => {
    const err = errorOf(() => resolveOptions(opts({ tls: { ca: CERT, certificate: CERT } })));
    expect(err.option).toBe('tls.certificate');
    expect(err.message).toContain('"certificate" is not an option of tls; did you mean "cert"?');
    expect(err.message).not.toContain('BEGIN');
  });

  it('refuses tls with a plain amqp:// URI (credentials would travel unencrypted)', () => {
    const err = errorOf(() => resolveOptions(opts({ uri: 'amqp://svc:pw@h:5672', tls: { ca: CERT } })));
    expect(err.option).toBe('tls');
    expect(err.message).toMatch(/uri is a plain amqp:\/\/ URI.*use amqps:\/\//);
    expect(err.message).not.toContain('pw');
    const inList = errorOf(() =>
      resolveOptions(opts({ uri: [TLS_URI, 'amqp://h2:5672'], tls: { ca: CERT } })),
    );
    expect(inList.message).toContain('uri[1] is a plain amqp:// URI');
  });

  it('does not check the URIs of a memory bus against tls', () => {
    expect(
      resolveOptions(opts({ uri: undefined, transport: 'memory', tls: { ca: CERT } })).tls,
    ).toBeDefined();
  });

  it.each([
    [
      'tls.ca',
      { ca: '/etc/ssl/ca.pem' },
      /a string that is not PEM text \(a file path\? read it with readFileSync\)/,
    ],
    ['tls.ca[1]', { ca: [CERT, 42] }, /got number/],
    ['tls.ca', { ca: [] }, /empty/],
    ['tls.cert', { cert: Buffer.from([0x30, 0x82]), key: KEY }, /a Buffer without PEM text/],
    ['tls.key', { cert: CERT }, /needs both tls\.cert and tls\.key/],
    ['tls.cert', { key: KEY }, /needs both/],
    ['tls.passphrase', { cert: CERT, key: ENCRYPTED_KEY, passphrase: 1234 }, /expected a string, got number/],
    ['tls.servername', { servername: 'has space' }, /expected a host name/],
    ['tls.rejectUnauthorized', { rejectUnauthorized: 'no' }, /expected a boolean/],
    ['tls', 'not an object', /expected \{ ca\?/],
  ])('rejects a bad %s', (option, tls, problem) => {
    const err = errorOf(() => resolveOptions(opts({ tls })));
    expect(err.option).toBe(option);
    expect(err.message).toMatch(problem);
  });

  it('loads the key once at startup: a key of another certificate or a wrong passphrase fails there', () => {
    const mismatch = errorOf(() => resolveOptions(opts({ tls: { cert: CERT, key: OTHER_KEY } })));
    expect(mismatch.option).toBe('tls');
    expect(mismatch.message).toMatch(/cannot be loaded/);
    const wrongPass = errorOf(() =>
      resolveOptions(opts({ tls: { cert: CERT, key: ENCRYPTED_KEY, passphrase: 'wrong-pass' } })),
    );
    expect(wrongPass.message).toMatch(/cannot be loaded/);
    // never the key material nor the passphrase
    for (const err of [mismatch, wrongPass]) {
      expect(err.message).not.toMatch(/BEGIN|PRIVATE|wrong-pass/);
      for (const line of OTHER_KEY.split('\n').slice(1, -1)) expect(err.message).not.toContain(line);
    }
  });
});

describe('resolveOptions: recordUserId', () => {
  it('is off by default', () => {
    expect(resolveOptions(opts({})).userId).toBeUndefined();
    expect(resolveOptions(opts({ recordUserId: false })).userId).toBeUndefined();
  });

  it('records the user of the URI, decoded; guest when the URI names none', () => {
    expect(resolveOptions(opts({ recordUserId: true })).userId).toBe('svc');
    expect(resolveOptions(opts({ recordUserId: true, uri: 'amqp://billing%40eu:p@h' })).userId).toBe(
      'billing@eu',
    );
    expect(resolveOptions(opts({ recordUserId: true, uri: 'amqp://h:5672' })).userId).toBe('guest');
    expect(connectionUser('amqp://h')).toBe('guest');
  });

  it('needs one user across a node list, and names users but never passwords', () => {
    const err = errorOf(() =>
      resolveOptions(opts({ recordUserId: true, uri: ['amqp://a:secret1@h1', 'amqp://b:secret2@h2'] })),
    );
    expect(err.option).toBe('recordUserId');
    expect(err.message).toContain('"a", "b"');
    expect(err.message).not.toMatch(/secret/);
    expect(resolveOptions(opts({ recordUserId: true, uri: ['amqp://a:x@h1', 'amqp://a:x@h2'] })).userId).toBe(
      'a',
    );
  });

  it('rejects a value that is not a boolean', () => {
    expect(errorOf(() => resolveOptions(opts({ recordUserId: 'yes' }))).option).toBe('recordUserId');
  });
});
