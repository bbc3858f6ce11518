import { describeConnectError, isTlsHandshakeError } from './connect-error.js';

describe('describeConnectError', () => {
  it('says a missing vhost is a missing vhost', () => {
    const err = new Error(
      'Expected ConnectionOpenOk; got <ConnectionClose channel:0 {"replyCode":530,"replyText":"NOT_ALLOWED - vhost nope not found","classId":10,"methodId":40}>',
    );
    expect(describeConnectError(err)).toMatch(/^the broker refused virtual host "nope": it does not exist/);
    // the client may report the close without the broker's text: the vhost then comes from the URI
    expect(
      describeConnectError(
        new Error('Expected ConnectionOpenOk; got <ConnectionClose channel:0>'),
        'amqp://u:p@h:5672/shop%2Fprod',
      ),
    ).toMatch(/^the broker refused virtual host "shop\/prod"/);
  });

  it('names refused connections, refused logins, unknown hosts and timeouts', () => {
    expect(
      describeConnectError(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      ),
    ).toMatch(/^connection refused \(is RabbitMQ running/);
    expect(
      describeConnectError(
        new Error(
          'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused"',
        ),
      ),
    ).toMatch(/^the broker refused the credentials/);
    expect(
      describeConnectError(Object.assign(new Error('getaddrinfo ENOTFOUND rabbit'), { code: 'ENOTFOUND' })),
    ).toMatch(/^host name not found/);
    expect(describeConnectError(new Error('connect ETIMEDOUT'))).toMatch(
      /^no answer from the broker in time/,
    );
  });

  it('never shows a password, and keeps other messages as they are', () => {
    expect(describeConnectError(new Error('boom at amqp://u:secret@h:5672'))).toBe(
      'boom at amqp://u:***@h:5672',
    );
    expect(describeConnectError(undefined)).toBe('unknown error');
  });
});

describe('describeConnectError on a failed TLS handshake', () => {
  const tlsError = (code: string, message: string) => Object.assign(new Error(message), { code });

  it.each([
    [
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'self-signed certificate',
      /not signed by a trusted CA \(self-signed or unknown CA\)/,
    ],
    [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'unable to verify the first certificate',
      /not signed by a trusted CA/,
    ],
    [
      'SELF_SIGNED_CERT_IN_CHAIN',
      'self-signed certificate in certificate chain',
      /not signed by a trusted CA/,
    ],
    ['CERT_HAS_EXPIRED', 'certificate has expired', /^TLS: the broker's certificate has expired/],
    ['CERT_NOT_YET_VALID', 'certificate is not yet valid', /not valid yet/],
    [
      'ERR_TLS_CERT_ALTNAME_INVALID',
      "Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ",
      /^TLS: hostname mismatch.*tls\.servername/,
    ],
    [
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      'tlsv13 alert certificate required',
      /requires a client certificate signed by a CA it trusts \(set tls\.cert and tls\.key\)/,
    ],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsv1 alert unknown ca', /requires a client certificate/],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number', /does not speak TLS/],
    ['ERR_SSL_SOMETHING_ELSE', 'odd', /^TLS handshake failed/],
  ])('names %s', (code, message, expected) => {
    const err = tlsError(code, message);
    expect(describeConnectError(err)).toMatch(expected);
    expect(describeConnectError(err)).toContain(`[${message}]`);
    expect(isTlsHandshakeError(err)).toBe(true);
  });

  it('does not take socket or login errors for TLS ones', () => {
    expect(isTlsHandshakeError(tlsError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5671'))).toBe(false);
    expect(isTlsHandshakeError(new Error('ACCESS_REFUSED - Login was refused'))).toBe(false);
    expect(isTlsHandshakeError(undefined)).toBe(false);
  });
});
