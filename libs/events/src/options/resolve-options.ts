import { resolveEncryption, resolveRateLimit } from './resolve-extensions.js';
import { resolveTls } from './resolve-tls.js';
import { resolveUserId } from './resolve-user-id.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type { EventsModuleOptions } from '../interfaces/events-module-options.interface.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import { firstUnknownKey, unknownKeyProblem } from './known-keys.js';
import { MODULE_OPTION_KEYS, PERSISTENCE_OPTION_KEYS, RETRY_POLICY_KEYS } from './option-keys.js';
import { DEFAULT_BUS, MAX_DELAY_MS, MAX_PRIORITY } from '../constants.js';
import type { ResolvedEventsOptions } from './resolved-options.js';

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  backoff: 'exponential',
  initialDelayMs: 1000,
  maxDelayMs: 60_000,
  jitter: 0,
};

/** Throws InvalidOptionsError for the first key of `value` not in `known`, suggesting the closest name. */
function rejectUnknownKeys(option: string | undefined, value: object, known: readonly string[]): void {
  const key = firstUnknownKey(value, known);
  if (key !== undefined) {
    throw new InvalidOptionsError(option ? `${option}.${key}` : key, unknownKeyProblem(key, known, option));
  }
}

const NAME_RE = /^[A-Za-z0-9_.:-]{1,200}$/;

function positiveInt(
  option: string,
  value: unknown,
  fallback: number,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionsError(
      option,
      `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Validates a (partial) retry policy and merges it over `base`. Throws naming `option` on bad input. */
export function resolveRetryPolicy(
  option: string,
  input: Partial<RetryPolicy> | undefined,
  base: RetryPolicy,
): RetryPolicy {
  if (input === undefined) return base;
  if (input === null || typeof input !== 'object') {
    throw new InvalidOptionsError(option, `expected an object, got ${JSON.stringify(input)}`);
  }
  rejectUnknownKeys(option, input, RETRY_POLICY_KEYS);
  const policy: RetryPolicy = {
    maxAttempts: positiveInt(`${option}.maxAttempts`, input.maxAttempts, base.maxAttempts, 1, 1000),
    backoff: input.backoff ?? base.backoff,
    initialDelayMs: positiveInt(
      `${option}.initialDelayMs`,
      input.initialDelayMs,
      base.initialDelayMs,
      0,
      MAX_DELAY_MS,
    ),
    maxDelayMs: positiveInt(`${option}.maxDelayMs`, input.maxDelayMs, base.maxDelayMs, 0, MAX_DELAY_MS),
    jitter: input.jitter ?? base.jitter,
  };
  if (!['fixed', 'linear', 'exponential'].includes(policy.backoff)) {
    throw new InvalidOptionsError(
      `${option}.backoff`,
      `expected 'fixed', 'linear' or 'exponential', got ${JSON.stringify(policy.backoff)}`,
    );
  }
  const j = policy.jitter;
  if (!(typeof j === 'boolean' || (typeof j === 'number' && j >= 0 && j <= 1))) {
    throw new InvalidOptionsError(
      `${option}.jitter`,
      `expected a boolean or a number from 0 to 1, got ${JSON.stringify(j)}`,
    );
  }
  if (policy.maxDelayMs < policy.initialDelayMs && input.maxDelayMs !== undefined) {
    throw new InvalidOptionsError(
      `${option}.maxDelayMs`,
      `must be >= initialDelayMs (${policy.initialDelayMs})`,
    );
  }
  return policy;
}

function checkUri(uri: unknown, option: string): string {
  if (typeof uri !== 'string' || !/^amqps?:\/\/[^\s]+$/.test(uri)) {
    throw new InvalidOptionsError(
      option,
      `expected an amqp:// or amqps:// URI, got ${typeof uri === 'string' ? JSON.stringify(redactUserInfo(uri)) : typeof uri}`,
    );
  }
  return uri;
}

/** For a string that is not a valid URI (any scheme or none, spaces...): hides everything before its last `@`. */
function redactUserInfo(text: string): string {
  const at = text.lastIndexOf('@');
  if (at < 0) return text;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/*/.exec(text.slice(0, at))?.[0] ?? '';
  return `${scheme}***${text.slice(at)}`;
}

/**
 * Replaces the password of every URI in `text` (a URI, or a message containing URIs) with `***`, so it
 * can be logged. Any scheme; a password containing `@` is masked up to the last `@` of the URI.
 */
export function maskUri(text: string): string {
  return text.replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/[^:@/\s]*):\S*@/g, '$1:***@');
}

/** Applies defaults and validates every option; throws InvalidOptionsError naming the first bad one. */
export function resolveOptions(input: EventsModuleOptions): ResolvedEventsOptions {
  if (!input || typeof input !== 'object') throw new InvalidOptionsError('options', 'expected an object');
  rejectUnknownKeys(undefined, input, MODULE_OPTION_KEYS);
  if (typeof input.service !== 'string' || !NAME_RE.test(input.service)) {
    throw new InvalidOptionsError(
      'service',
      `required; letters, digits and . _ : - only, got ${JSON.stringify(input.service)}`,
    );
  }
  const exchange = input.exchange ?? 'events';
  if (typeof exchange !== 'string' || !NAME_RE.test(exchange) || exchange.startsWith('amq.')) {
    throw new InvalidOptionsError(
      'exchange',
      `expected a name of letters, digits and . _ : - (not amq.*), got ${JSON.stringify(exchange)}`,
    );
  }
  const rawUris = input.uri ?? 'amqp://localhost:5672';
  const list = Array.isArray(rawUris) ? rawUris : [rawUris];
  if (list.length === 0) throw new InvalidOptionsError('uri', 'the list of cluster nodes is empty');
  const uris = list.map((u, i) => checkUri(u, Array.isArray(rawUris) ? `uri[${i}]` : 'uri'));
  const queueType = input.queueType ?? 'classic';
  if (queueType !== 'classic' && queueType !== 'quorum') {
    throw new InvalidOptionsError(
      'queueType',
      `expected 'classic' or 'quorum', got ${JSON.stringify(queueType)}`,
    );
  }
  const transport = input.transport ?? 'amqp';
  if (transport !== 'amqp' && transport !== 'memory') {
    throw new InvalidOptionsError(
      'transport',
      `expected 'amqp' or 'memory', got ${JSON.stringify(transport)}`,
    );
  }
  const nonRetryableErrors = input.nonRetryableErrors ?? [];
  if (!Array.isArray(nonRetryableErrors) || nonRetryableErrors.some((c) => typeof c !== 'function')) {
    throw new InvalidOptionsError('nonRetryableErrors', 'expected an array of error classes');
  }
  if (input.persistence && typeof input.persistence === 'object') {
    rejectUnknownKeys('persistence', input.persistence, PERSISTENCE_OPTION_KEYS);
  }
  if (
    input.persistence !== undefined &&
    (typeof input.persistence !== 'object' || !input.persistence?.dataSource)
  ) {
    throw new InvalidOptionsError('persistence', 'expected { dataSource } with a TypeORM DataSource');
  }
  const name = input.name ?? DEFAULT_BUS;
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new InvalidOptionsError(
      'name',
      `expected a bus name of letters, digits and . _ : -, got ${JSON.stringify(input.name)}`,
    );
  }
  const cloudEvents = input.cloudEvents ?? 'properties';
  if (cloudEvents !== 'properties' && cloudEvents !== 'headers') {
    throw new InvalidOptionsError(
      'cloudEvents',
      `expected 'properties' or 'headers', got ${JSON.stringify(cloudEvents)}`,
    );
  }
  const enhancers = input.enhancers ?? 'auto';
  if (enhancers !== 'auto' && enhancers !== 'always') {
    throw new InvalidOptionsError(
      'enhancers',
      `expected 'auto' or 'always', got ${JSON.stringify(enhancers)}`,
    );
  }
  if (input.consume !== undefined && typeof input.consume !== 'boolean') {
    throw new InvalidOptionsError('consume', 'expected a boolean');
  }
  return {
    service: input.service,
    uris,
    exchange,
    prefetch: positiveInt('prefetch', input.prefetch, 20, 1, 65535),
    retry: resolveRetryPolicy('retry', input.retry, DEFAULT_RETRY_POLICY),
    nonRetryableErrors,
    queueType,
    transport,
    persistence: input.persistence,
    shutdownTimeoutMs: positiveInt('shutdownTimeoutMs', input.shutdownTimeoutMs, 10_000, 0),
    connectTimeoutMs: positiveInt('connectTimeoutMs', input.connectTimeoutMs, 10_000, 100),
    heartbeatSeconds: positiveInt('heartbeatSeconds', input.heartbeatSeconds, 10, 1, 600),
    reconnectDelayMs: positiveInt('reconnectDelayMs', input.reconnectDelayMs, 1000, 10),
    publishTimeoutMs: positiveInt('publishTimeoutMs', input.publishTimeoutMs, 10_000, 10),
    maxBufferedPublishes: positiveInt('maxBufferedPublishes', input.maxBufferedPublishes, 10_000, 1),
    maxPayloadBytes: positiveInt('maxPayloadBytes', input.maxPayloadBytes, 1024 * 1024, 1, 128 * 1024 * 1024),
    consume: input.consume ?? true,
    startupTimeoutMs: positiveInt('startupTimeoutMs', input.startupTimeoutMs, 30_000, 100),
    name,
    maxPriority:
      input.maxPriority === undefined
        ? undefined
        : positiveInt('maxPriority', input.maxPriority, 0, 1, MAX_PRIORITY),
    cloudEvents,
    enhancers,
    rateLimit: resolveRateLimit(input.rateLimit),
    encryption: resolveEncryption(input.encryption),
    // a memory bus opens no connection: its URIs are not checked against the tls option
    tls: resolveTls(input.tls, transport === 'amqp' ? uris : []),
    userId: resolveUserId(input.recordUserId, uris),
  };
}
