import { describeConnectError } from './managed-connection.js';

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
