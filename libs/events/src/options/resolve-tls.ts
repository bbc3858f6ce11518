import { createSecureContext } from 'node:tls';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type { EventsTlsOptions, PemInput } from '../interfaces/events-module-options.interface.js';
import { firstUnknownKey, unknownKeyProblem } from './known-keys.js';
import { TLS_OPTION_KEYS } from './option-keys.js';

/** The `tls` option, checked: what `tls.connect()` receives (amqplib passes it on as socket options). */
export interface ResolvedTls {
  ca?: PemInput[];
  cert?: PemInput;
  key?: PemInput;
  passphrase?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

const PEM_BEGIN = '-----BEGIN ';

/** Describes a value by its kind only: never its content (it may be a key). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string')
    return 'a string that is not PEM text (a file path? read it with readFileSync)';
  if (Buffer.isBuffer(value)) return 'a Buffer without PEM text (DER? convert it to PEM)';
  return Array.isArray(value) ? 'an array' : typeof value;
}

function pem(option: string, value: unknown): PemInput {
  const isPem =
    (typeof value === 'string' && value.includes(PEM_BEGIN)) ||
    (Buffer.isBuffer(value) && value.includes(PEM_BEGIN));
  if (!isPem) {
    throw new InvalidOptionsError(
      option,
      `expected PEM text ("-----BEGIN ...") or a Buffer holding it, got ${kindOf(value)}; the value is not shown`,
    );
  }
  return value as PemInput;
}

/**
 * Validates the `tls` option and loads it once into a TLS context, so a key that does not match its
 * certificate or a wrong passphrase fails at startup, not on every reconnect. Messages name the option
 * and the kind of problem, never the key, certificate or passphrase.
 */
export function resolveTls(
  input: EventsTlsOptions | undefined,
  uris: readonly string[],
): ResolvedTls | undefined {
  if (input === undefined) return undefined;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidOptionsError(
      'tls',
      'expected { ca?, cert?, key?, passphrase?, servername?, rejectUnauthorized? }',
    );
  }
  const unknown = firstUnknownKey(input, TLS_OPTION_KEYS);
  if (unknown !== undefined) {
    throw new InvalidOptionsError(`tls.${unknown}`, unknownKeyProblem(unknown, TLS_OPTION_KEYS, 'tls'));
  }
  const plain = uris.findIndex((u) => !u.startsWith('amqps://'));
  if (plain >= 0) {
    throw new InvalidOptionsError(
      'tls',
      `is set but ${uris.length > 1 ? `uri[${plain}]` : 'uri'} is a plain amqp:// URI: TLS would not be used and credentials would travel unencrypted (use amqps://host:5671, or remove tls)`,
    );
  }
  const resolved: ResolvedTls = { rejectUnauthorized: true };
  if (input.ca !== undefined) {
    const list = Array.isArray(input.ca) ? input.ca : [input.ca];
    if (list.length === 0) throw new InvalidOptionsError('tls.ca', 'the list of CA certificates is empty');
    resolved.ca = list.map((c, i) => pem(Array.isArray(input.ca) ? `tls.ca[${i}]` : 'tls.ca', c));
  }
  if (input.cert !== undefined) resolved.cert = pem('tls.cert', input.cert);
  if (input.key !== undefined) resolved.key = pem('tls.key', input.key);
  if ((resolved.cert === undefined) !== (resolved.key === undefined)) {
    throw new InvalidOptionsError(
      resolved.cert === undefined ? 'tls.cert' : 'tls.key',
      'a client certificate needs both tls.cert and tls.key',
    );
  }
  if (input.passphrase !== undefined) {
    if (typeof input.passphrase !== 'string')
      throw new InvalidOptionsError('tls.passphrase', `expected a string, got ${kindOf(input.passphrase)}`);
    resolved.passphrase = input.passphrase;
  }
  if (input.servername !== undefined) {
    if (typeof input.servername !== 'string' || !/^[A-Za-z0-9.-]{1,253}$/.test(input.servername))
      throw new InvalidOptionsError(
        'tls.servername',
        `expected a host name, got ${JSON.stringify(input.servername)}`,
      );
    resolved.servername = input.servername;
  }
  if (input.rejectUnauthorized !== undefined) {
    if (typeof input.rejectUnauthorized !== 'boolean')
      throw new InvalidOptionsError('tls.rejectUnauthorized', 'expected a boolean');
    resolved.rejectUnauthorized = input.rejectUnauthorized;
  }
  try {
    createSecureContext({
      ca: resolved.ca,
      cert: resolved.cert,
      key: resolved.key,
      passphrase: resolved.passphrase,
    });
  } catch (e) {
    // OpenSSL's reason ("bad decrypt", "key values mismatch", "no start line") names no key material
    const reason = (e as { reason?: unknown }).reason ?? (e as Error).message;
    throw new InvalidOptionsError(
      'tls',
      `the CA, certificate, key or passphrase cannot be loaded (${String(reason)}); check that the key belongs to the certificate and the passphrase is right`,
    );
  }
  return resolved;
}
