import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One certificate made by the test: its files, and their PEM text for the `tls` option. */
export interface TestCert {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

/** A test CA, a second CA nobody trusts, and certificates for a TLS test on loopback. */
export interface TestPki {
  dir: string;
  ca: TestCert;
  otherCa: TestCert;
  /** Signed by `ca`, names DNS:localhost only (so 127.0.0.1 is a host name mismatch). */
  server: TestCert;
  /** Signed by `ca`, names DNS:expired.test, expired a day before it was made. */
  expiredServer: TestCert;
  /** Client certificate signed by `ca`. */
  client: TestCert;
  /** Client certificate signed by `otherCa`. */
  strangerClient: TestCert;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function openssl(dir: string, ...args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir, timeout: 30_000 });
}

async function loaded(dir: string, name: string): Promise<TestCert> {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  return {
    certFile,
    keyFile,
    cert: await readFile(certFile, 'utf8'),
    key: await readFile(keyFile, 'utf8'),
  };
}

async function makeCa(dir: string, name: string): Promise<TestCert> {
  await openssl(
    dir,
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  );
  return loaded(dir, name);
}

/** A leaf certificate for `name`, signed by `ca`; `days: -1` makes one that expired already. */
async function makeLeaf(
  dir: string,
  name: string,
  ca: string,
  extensions: string,
  days = 2,
): Promise<TestCert> {
  await writeFile(join(dir, `${name}.ext`), extensions);
  await openssl(
    dir,
    'req',
    ...EC_KEY,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${name}`,
  );
  await openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    String(days),
    '-extfile',
    `${name}.ext`,
  );
  return loaded(dir, name);
}

/** Makes the whole test PKI with `openssl` in `dir` (EC P-256 keys: fast). */
export async function makeTestPki(dir: string): Promise<TestPki> {
  const [ca, otherCa] = await Promise.all([makeCa(dir, 'test-ca'), makeCa(dir, 'other-ca')]);
  const serverExt = 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n';
  const clientExt = 'extendedKeyUsage=clientAuth\n';
  const [server, expiredServer, client, strangerClient] = await Promise.all([
    makeLeaf(dir, 'server', 'test-ca', serverExt),
    makeLeaf(
      dir,
      'expired-server',
      'test-ca',
      'subjectAltName=DNS:expired.test\nextendedKeyUsage=serverAuth\n',
      -1,
    ),
    makeLeaf(dir, 'client', 'test-ca', clientExt),
    makeLeaf(dir, 'stranger-client', 'other-ca', clientExt),
  ]);
  return { dir, ca, otherCa, server, expiredServer, client, strangerClient };
}
