import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type {
  PayloadEncryptionOptions,
  PublishRateLimit,
} from '../interfaces/events-module-options.interface.js';
import { patternProblem } from '../routing/routing-pattern.js';
import { firstUnknownKey, unknownKeyProblem } from './known-keys.js';

function strict(option: string, value: object, known: readonly string[]): void {
  const key = firstUnknownKey(value, known);
  if (key !== undefined)
    throw new InvalidOptionsError(`${option}.${key}`, unknownKeyProblem(key, known, option));
}
import type { ResolvedEncryption, ResolvedRateLimit } from './resolved-options.js';

function rate(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new InvalidOptionsError(
      option,
      `expected a positive number of events per second, got ${JSON.stringify(value)}`,
    );
  return value;
}

function burst(option: string, value: unknown, perSecond: number): number {
  if (value === undefined) return Math.max(1, Math.floor(perSecond));
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new InvalidOptionsError(option, `expected an integer ≥ 1, got ${JSON.stringify(value)}`);
  return value;
}

/** `rateLimit`: defaults applied, every field checked. */
export function resolveRateLimit(input: PublishRateLimit | undefined): ResolvedRateLimit | undefined {
  if (input === undefined) return undefined;
  if (input === null || typeof input !== 'object')
    throw new InvalidOptionsError(
      'rateLimit',
      'expected { perSecond, burst?, whenLimited?, maxWaitMs?, types? }',
    );
  strict('rateLimit', input, ['perSecond', 'burst', 'whenLimited', 'maxWaitMs', 'types']);
  const perSecond = rate('rateLimit.perSecond', input.perSecond);
  const whenLimited = input.whenLimited ?? 'wait';
  if (whenLimited !== 'wait' && whenLimited !== 'fail')
    throw new InvalidOptionsError(
      'rateLimit.whenLimited',
      `expected 'wait' or 'fail', got ${JSON.stringify(whenLimited)}`,
    );
  const maxWaitMs = input.maxWaitMs ?? 30_000;
  if (typeof maxWaitMs !== 'number' || !(maxWaitMs >= 0))
    throw new InvalidOptionsError(
      'rateLimit.maxWaitMs',
      `expected a number of ms ≥ 0, got ${JSON.stringify(input.maxWaitMs)}`,
    );
  const types = Object.entries(input.types ?? {}).map(([pattern, l]) => {
    const problem = patternProblem(pattern);
    if (problem) throw new InvalidOptionsError(`rateLimit.types["${pattern}"]`, `the pattern ${problem}`);
    const ps = rate(`rateLimit.types["${pattern}"].perSecond`, l?.perSecond);
    return { pattern, perSecond: ps, burst: burst(`rateLimit.types["${pattern}"].burst`, l?.burst, ps) };
  });
  return {
    perSecond,
    burst: burst('rateLimit.burst', input.burst, perSecond),
    whenLimited,
    maxWaitMs,
    types,
  };
}

/** `encryption`: keys decoded and checked (32 bytes), the current key present, type patterns valid. */
export function resolveEncryption(
  input: PayloadEncryptionOptions | undefined,
): ResolvedEncryption | undefined {
  if (input === undefined) return undefined;
  if (input === null || typeof input !== 'object' || !input.keys || typeof input.keys !== 'object') {
    throw new InvalidOptionsError(
      'encryption',
      'expected { keys: { id: 32-byte key }, currentKeyId, types? }',
    );
  }
  strict('encryption', input, ['keys', 'currentKeyId', 'types']);
  const keys = new Map<string, Buffer>();
  for (const [id, raw] of Object.entries(input.keys)) {
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(id))
      throw new InvalidOptionsError(
        `encryption.keys["${id}"]`,
        'key ids are 1..64 of letters, digits and . _ : -',
      );
    const key = Buffer.isBuffer(raw) ? raw : typeof raw === 'string' ? Buffer.from(raw, 'base64') : undefined;
    if (!key || key.length !== 32)
      throw new InvalidOptionsError(
        `encryption.keys["${id}"]`,
        'expected a 32-byte key (a Buffer, or 44 characters of base64); the key itself is not shown',
      );
    keys.set(id, key);
  }
  if (typeof input.currentKeyId !== 'string' || !keys.has(input.currentKeyId)) {
    throw new InvalidOptionsError(
      'encryption.currentKeyId',
      `must name one of the keys (${[...keys.keys()].join(', ') || 'none given'})`,
    );
  }
  const types = input.types ?? ['#'];
  if (!Array.isArray(types) || types.length === 0)
    throw new InvalidOptionsError('encryption.types', 'expected a non-empty list of event type patterns');
  for (const t of types) {
    const problem = patternProblem(t);
    if (problem) throw new InvalidOptionsError('encryption.types', `pattern ${JSON.stringify(t)} ${problem}`);
  }
  return { keys, currentKeyId: input.currentKeyId, types };
}
