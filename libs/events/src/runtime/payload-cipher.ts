import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { ResolvedEncryption } from '../options/resolved-options.js';
import { HEADERS } from '../constants.js';
import { matchesPattern } from '../routing/routing-pattern.js';
import type { InboundMessage } from '../transport/events-transport.js';

/** Header naming the key an encrypted payload was sealed with (and that it is encrypted at all). */
export const ENCRYPTION_KEY_HEADER = HEADERS.encryptionKey;
/** Content type of an encrypted body: 12-byte IV, 16-byte GCM tag, ciphertext of the JSON payload. */
export const ENCRYPTED_CONTENT_TYPE = 'application/vnd.nestjs-amqp-events.encrypted';
const IV = 12;
const TAG = 16;

/** Why a payload could not be opened: no key with its id, or the authentication failed. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

/**
 * Authenticated payload encryption with AES-256-GCM (Node's crypto): a random 96-bit IV per message,
 * the key id in a header, several keys for rotation (new events use `currentKeyId`, every configured
 * key still opens older ones). The event's id and type are bound to the ciphertext as associated
 * data, so a body cannot be moved to another event unnoticed.
 */
export class PayloadCipher {
  private readonly cache = new Map<string, boolean>();

  constructor(private readonly config: ResolvedEncryption) {}

  /** True when events of this type are encrypted. */
  applies(type: string): boolean {
    let hit = this.cache.get(type);
    if (hit === undefined) {
      hit = this.config.types.some((p) => matchesPattern(p, type));
      if (this.cache.size < 10_000) this.cache.set(type, hit);
    }
    return hit;
  }

  seal(plain: Buffer, id: string, type: string): { content: Buffer; keyId: string } {
    const keyId = this.config.currentKeyId;
    const iv = randomBytes(IV);
    const cipher = createCipheriv('aes-256-gcm', this.config.keys.get(keyId)!, iv);
    cipher.setAAD(Buffer.from(`${id}\n${type}`, 'utf8'));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return { content: Buffer.concat([iv, cipher.getAuthTag(), body]), keyId };
  }

  open(sealed: Buffer, keyId: string, id: string, type: string): Buffer {
    const key = this.config.keys.get(keyId);
    if (!key)
      throw new PayloadDecryptionError(
        `no key "${keyId}" is configured to decrypt this payload (known: ${[...this.config.keys.keys()].join(', ')})`,
      );
    if (sealed.length < IV + TAG) throw new PayloadDecryptionError('the encrypted payload is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV));
      decipher.setAAD(Buffer.from(`${id}\n${type}`, 'utf8'));
      decipher.setAuthTag(sealed.subarray(IV, IV + TAG));
      return Buffer.concat([decipher.update(sealed.subarray(IV + TAG)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `the payload does not authenticate with key "${keyId}" (wrong key, or altered)`,
      );
    }
  }
}

/**
 * A delivery with its payload decrypted when it carries the encryption header (the original, still
 * encrypted, is what retries and dead letters copy), the delivery itself when it is not encrypted, or
 * the reason it cannot be opened.
 */
export function openInbound(msg: InboundMessage, cipher: PayloadCipher | undefined): InboundMessage | Error {
  const keyId = msg.properties.headers?.[ENCRYPTION_KEY_HEADER];
  if (keyId === undefined) return msg;
  const key = Buffer.isBuffer(keyId) ? keyId.toString('utf8') : String(keyId);
  if (!cipher)
    return new PayloadDecryptionError(
      `the payload is encrypted (key "${key}") but this service has no \`encryption\` configured`,
    );
  try {
    const plain = cipher.open(
      msg.content,
      key,
      String(msg.properties.messageId ?? ''),
      String(msg.properties.type ?? ''),
    );
    return { ...msg, content: plain, properties: { ...msg.properties, contentType: 'application/json' } };
  } catch (e) {
    return e as Error;
  }
}
