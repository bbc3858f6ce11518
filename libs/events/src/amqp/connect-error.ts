import { maskUri } from '../options/resolve-options.js';

/**
 * What a failed connection attempt means, in words an operator can act on. Reads the broker's reply
 * (`NOT_ALLOWED - vhost x not found`, `ACCESS_REFUSED`) and Node's socket error codes; the URI's
 * password never appears. Pure.
 */
export function describeConnectError(err: unknown, uri?: string): string {
  const e = err as { message?: unknown; code?: unknown } | undefined;
  const message = maskUri(String(e?.message ?? err ?? 'unknown error'));
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const tls = describeTlsError(code, message);
  if (tls) return `${tls} [${message}]`;
  const named = /vhost\s+(?:'([^']*)'|"([^"]*)"|(\S+))\s+not found/i.exec(message);
  // RabbitMQ answers connection.open for a vhost that is missing (or not permitted) with connection.close
  // (530 NOT_ALLOWED); the client may report only that it got a close instead of open-ok
  const refusedOpen = /ConnectionOpenOk/.test(message) && /ConnectionClose/.test(message);
  if (named || refusedOpen) {
    const vhost = named ? (named[1] ?? named[2] ?? named[3]) : vhostOf(uri);
    return `the broker refused virtual host "${vhost ?? '?'}": it does not exist, or this user has no permission on it (the URI's path names the vhost: amqp://host:5672/<vhost>; create it, grant access, or fix the URI) [${message}]`;
  }
  if (/ACCESS_REFUSED|403/.test(message))
    return `the broker refused the credentials or the vhost permissions of this user [${message}]`;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message))
    return `connection refused (is RabbitMQ running and listening on that host and port?) [${message}]`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host name not found [${message}]`;
  if (code === 'ETIMEDOUT' || /timed? ?out/i.test(message))
    return `no answer from the broker in time (firewall, wrong port, or an overloaded broker) [${message}]`;
  return message;
}

/** Node's certificate verification codes for a broker certificate no trusted CA signed. */
const UNTRUSTED_CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/** TLS alerts of a broker that refused this client's certificate (or the lack of one). */
const CLIENT_CERT_REFUSED =
  /ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|ACCESS_DENIED|HANDSHAKE_FAILURE)/;

/**
 * A failed TLS handshake in words: untrusted CA, expired certificate, host name mismatch, a refused
 * client certificate, a plain port. From Node's error codes (public API); undefined when not TLS.
 */
/** True for an error of a TLS handshake (the broker's certificate, or ours, refused): retrying the same node cannot help. */
export function isTlsHandshakeError(err: unknown): boolean {
  const e = err as { message?: unknown; code?: unknown } | undefined;
  return (
    describeTlsError(typeof e?.code === 'string' ? e.code : undefined, String(e?.message ?? '')) !== undefined
  );
}

function describeTlsError(code: string | undefined, message: string): string | undefined {
  if (code === undefined) return undefined;
  if (UNTRUSTED_CERT_CODES.has(code))
    return `TLS: the broker's certificate is not signed by a trusted CA (self-signed or unknown CA): pass the CA that signed it as tls.ca`;
  if (code === 'CERT_HAS_EXPIRED')
    return `TLS: the broker's certificate has expired: renew it on the broker (or check this host's clock)`;
  if (code === 'CERT_NOT_YET_VALID')
    return `TLS: the broker's certificate is not valid yet: check the clocks of this host and the broker`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `TLS: hostname mismatch, the broker's certificate does not name the host connected to: connect by a name the certificate lists, or set tls.servername to one`;
  if (CLIENT_CERT_REFUSED.test(code))
    return `TLS: the broker refused the handshake: it requires a client certificate signed by a CA it trusts (set tls.cert and tls.key)`;
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/i.test(message))
    return `TLS: the port does not speak TLS (amqps:// to a plain AMQP port? RabbitMQ's TLS port is usually 5671)`;
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.startsWith('CERT_'))
    return `TLS handshake failed`;
  return undefined;
}

/** The vhost a URI names: its decoded path without the leading slash; "/" when it has none. */
function vhostOf(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  try {
    const path = new URL(uri).pathname;
    return path.length > 1 ? decodeURIComponent(path.slice(1)) : '/';
  } catch {
    return undefined;
  }
}
