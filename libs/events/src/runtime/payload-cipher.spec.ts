import { randomBytes } from 'node:crypto';
import { resolveEncryption } from '../options/resolve-extensions.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { PayloadCipher, PayloadDecryptionError } from './payload-cipher.js';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const cipher = (current: string, keys: Record<string, Buffer | string>, types?: string[]) =>
  new PayloadCipher(resolveEncryption({ keys, currentKeyId: current, types })!);

describe('PayloadCipher (AES-256-GCM)', () => {
  const plain = Buffer.from(JSON.stringify({ email: 'ada@example.com' }));

  it('seals with the current key so the body is unreadable, and opens it again', () => {
    const c = cipher('k1', { k1 });
    const { content, keyId } = c.seal(plain, 'evt-1', 'Customer.registered');
    expect(keyId).toBe('k1');
    expect(content.includes(Buffer.from('ada@example.com'))).toBe(false);
    expect(c.open(content, keyId, 'evt-1', 'Customer.registered')).toEqual(plain);
    expect(c.seal(plain, 'evt-1', 'Customer.registered').content.equals(content)).toBe(false); // a fresh IV each time
  });

  it('keeps opening events of a retired key after rotation', () => {
    const old = cipher('k1', { k1 }).seal(plain, 'evt-1', 'T.x');
    const rotated = cipher('k2', { k1, k2: k2.toString('base64') });
    expect(rotated.open(old.content, 'k1', 'evt-1', 'T.x')).toEqual(plain);
    expect(rotated.seal(plain, 'evt-2', 'T.x').keyId).toBe('k2');
  });

  it('refuses an unknown key, a tampered body and a body moved to another event', () => {
    const c = cipher('k1', { k1 });
    const { content } = c.seal(plain, 'evt-1', 'T.x');
    expect(() => cipher('k2', { k2 }).open(content, 'k1', 'evt-1', 'T.x')).toThrow(/no key "k1"/);
    const tampered = Buffer.from(content);
    tampered[tampered.length - 1] ^= 1;
    expect(() => c.open(tampered, 'k1', 'evt-1', 'T.x')).toThrow(PayloadDecryptionError);
    expect(() => c.open(content, 'k1', 'evt-2', 'T.x')).toThrow(/does not authenticate/);
  });

  it('encrypts only the configured types', () => {
    const c = cipher('k1', { k1 }, ['Customer.#']);
    expect(c.applies('Customer.registered')).toBe(true);
    expect(c.applies('Order.created')).toBe(false);
  });

  it('rejects bad keys at startup without showing them', () => {
    expect(() => resolveEncryption({ keys: { k1: randomBytes(16) }, currentKeyId: 'k1' })).toThrow(
      InvalidOptionsError,
    );
    expect(() => resolveEncryption({ keys: { k1 }, currentKeyId: 'k9' })).toThrow(/currentKeyId/);
    try {
      resolveEncryption({ keys: { k1: 'c2VjcmV0LXNob3J0' }, currentKeyId: 'k1' });
    } catch (e) {
      expect((e as Error).message).not.toContain('c2VjcmV0LXNob3J0');
    }
  });
});
