import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BrokerConnectionError,
  EventPublisher,
  OnEvent,
  type EventContext,
  type EventsTlsOptions,
} from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { uniqueName } from '../support/broker.js';
import { CaptureLogger } from '../support/capture-logger.js';
import { waitFor } from '../support/wait.js';
import { ensureLibBuilt } from '../support/lib-build.js';
import { runNode } from '../retries/support/child.js';
import { freePort, startPrivateNode, type PrivateNode } from '../support/private-node.js';
import { makeTestPki, type TestPki } from './support/test-pki.js';

jest.setTimeout(60_000);

const CONNECT_TIMEOUT_MS = 3000;

/**
 * TLS on loopback: a test CA made with openssl, a private RabbitMQ node with only a TLS listener that
 * verifies client certificates (verify_peer, fail_if_no_peer_cert). The expired certificate is served
 * to clients asking for "expired.test" by SNI (Erlang's sni_hosts), so one node serves every case.
 */
describe('TLS (amqps://) with a test CA', () => {
  let dir: string;
  let pki: TestPki;
  let node: PrivateNode;
  let port: number;
  const apps: INestApplicationContext[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'events-tls-'));
    pki = await makeTestPki(dir);
    port = await freePort();
    const erlStr = (s: string) => JSON.stringify(s);
    node = await startPrivateNode({
      dir,
      conf: ['listeners.tcp = none', `listeners.ssl.default = ${port}`, 'loopback_users = none', ''].join(
        '\n',
      ),
      // ssl_options in Erlang terms: the same as ssl_options.* in rabbitmq.conf, plus sni_hosts
      advanced: `[{rabbit, [{ssl_options, [
        {cacertfile, ${erlStr(pki.ca.certFile)}},
        {certfile, ${erlStr(pki.server.certFile)}},
        {keyfile, ${erlStr(pki.server.keyFile)}},
        {verify, verify_peer},
        {fail_if_no_peer_cert, true},
        {sni_hosts, [{"expired.test", [{certfile, ${erlStr(pki.expiredServer.certFile)}}, {keyfile, ${erlStr(pki.expiredServer.keyFile)}}]}]}
      ]}]}].\n`,
    });
    console.log(`private TLS node ${node.nodeName} booted in ${node.bootMs} ms`);
  });

  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await node?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const uri = (host = 'localhost') => `amqps://guest:guest@${host}:${port}`;

  async function start(tls: EventsTlsOptions, host?: string, logger?: CaptureLogger) {
    const started = Date.now();
    const app = await createEventsApp(
      {
        exchange: uniqueName('tls'),
        service: uniqueName('svc'),
        uri: uri(host),
        tls,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        startupTimeoutMs: 20_000,
        reconnectDelayMs: 200,
      },
      [],
      logger ? { logger } : {},
    );
    apps.push(app);
    return { app, ms: Date.now() - started };
  }

  async function startupFailure(tls: EventsTlsOptions, host?: string) {
    const logger = new CaptureLogger();
    const started = Date.now();
    try {
      await start(tls, host, logger);
    } catch (e) {
      return { err: e as Error, ms: Date.now() - started, logs: logger.text() };
    }
    throw new Error('expected startup to fail, but the application started');
  }

  it('publishes and consumes with the right CA and a client certificate', async () => {
    const received: Array<{ data: unknown; type: string }> = [];
    @Injectable()
    class Handlers {
      @OnEvent('Tls.checked')
      on(data: unknown, ctx: EventContext) {
        received.push({ data, type: ctx.type });
      }
    }
    const app = await createEventsApp(
      {
        exchange: uniqueName('tls'),
        service: uniqueName('svc'),
        uri: uri(),
        // Buffers and strings are both PEM input
        tls: { ca: Buffer.from(pki.ca.cert), cert: pki.client.cert, key: pki.client.key },
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
      },
      [Handlers],
    );
    apps.push(app);
    const receipt = await app.get(EventPublisher).publish('Tls.checked', { over: 'tls' });
    expect(receipt.id).toBeTruthy();
    const got = await waitFor(() => received[0], 'the event over TLS');
    expect(got).toEqual({ data: { over: 'tls' }, type: 'Tls.checked' });
  });

  it('lets the operator CLI connect over TLS with a client certificate from AMQP_* files', async () => {
    await ensureLibBuilt();
    const service = uniqueName('svc');
    const exchange = uniqueName('tls');
    @Injectable()
    class Audit {
      @OnEvent('Tls.audited')
      on() {}
    }
    apps.push(
      await createEventsApp(
        {
          exchange,
          service,
          uri: uri(),
          tls: { ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key },
          connectTimeoutMs: CONNECT_TIMEOUT_MS,
        },
        [Audit],
      ),
    );
    const queue = `${service}.Audit.on`;
    const tlsEnv = {
      AMQP_URL: uri(),
      AMQP_CA_FILE: pki.ca.certFile,
      AMQP_CERT_FILE: pki.client.certFile,
      AMQP_KEY_FILE: pki.client.keyFile,
    };
    const ok = await runNode('libs/events/dist/cli/main.js', ['dlq', 'list', '--queue', queue], tlsEnv);
    expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: '' });
    expect(ok.stdout).toMatch(/no dead letters|0 dead letter/i);
    // without the client certificate the broker refuses the handshake: a clear error, exit code 1
    const refused = await runNode('libs/events/dist/cli/main.js', ['dlq', 'list', '--queue', queue], {
      AMQP_URL: uri(),
      AMQP_CA_FILE: pki.ca.certFile,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: /);
  });

  it('fails at once with a clear error when the broker certificate is signed by another CA', async () => {
    const { err, ms, logs } = await startupFailure({
      ca: pki.otherCa.cert,
      cert: pki.client.cert,
      key: pki.client.key,
    });
    expect(err).toBeInstanceOf(BrokerConnectionError);
    expect(err.message).toMatch(/not signed by a trusted CA \(self-signed or unknown CA\): pass the CA/);
    expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS);
    expect(`${err.message}\n${logs}`).not.toContain(pki.client.key);
  });

  it('fails at once with a clear error when the broker certificate has expired', async () => {
    const { err, ms } = await startupFailure({
      ca: pki.ca.cert,
      cert: pki.client.cert,
      key: pki.client.key,
      servername: 'expired.test',
    });
    expect(err).toBeInstanceOf(BrokerConnectionError);
    expect(err.message).toMatch(/TLS: the broker's certificate has expired/);
    expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS);
  });

  it('fails at once with a clear error when the certificate does not name the host', async () => {
    // the server certificate names DNS:localhost only; 127.0.0.1 is not in it
    const { err, ms } = await startupFailure(
      { ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key },
      '127.0.0.1',
    );
    expect(err).toBeInstanceOf(BrokerConnectionError);
    expect(err.message).toMatch(/TLS: hostname mismatch/);
    expect(err.message).toContain('amqps://guest:***@127.0.0.1');
    expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS);
  });

  it('connects by IP address when tls.servername names the certificate host', async () => {
    const { app } = await start(
      { ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key, servername: 'localhost' },
      '127.0.0.1',
    );
    await expect(app.get(EventPublisher).publish('Tls.byIp', {})).resolves.toMatchObject({});
  });

  it('says the broker wants a client certificate when none (or a stranger one) is given', async () => {
    const none = await startupFailure({ ca: pki.ca.cert });
    expect(none.err).toBeInstanceOf(BrokerConnectionError);
    expect(none.err.message).toMatch(/requires a client certificate/);
    const stranger = await startupFailure({
      ca: pki.ca.cert,
      cert: pki.strangerClient.cert,
      key: pki.strangerClient.key,
    });
    expect(stranger.err.message).toMatch(/requires a client certificate signed by a CA it trusts/);
    expect(Math.max(none.ms, stranger.ms)).toBeLessThan(CONNECT_TIMEOUT_MS);
  });
});
