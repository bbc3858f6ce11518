import { MAX_PRIORITY } from '../constants.js';
import { headerFilterProblem } from '../runtime/filter-topology.js';
import { HandlerRegistrationError } from '../errors/handler-registration.error.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { unknownKeyProblem } from './known-keys.js';
import { ON_EVENT_OPTION_KEYS } from './option-keys.js';
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy } from './resolve-options.js';

type Check = (value: unknown) => string | undefined;

const NAME_RE = /^[A-Za-z0-9_.:-]{1,200}$/;

const integer =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
      ? undefined
      : `expected an integer from ${min} to ${max}`;
const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'expected a boolean');

const CHECKS: Record<string, Check> = {
  queue: (v) =>
    typeof v === 'string' && NAME_RE.test(v.split('{service}').join('s'))
      ? undefined
      : 'expected a queue name of 1..200 letters, digits and . _ : - (and the {service} placeholder)',
  retry: (v) =>
    v === false || (v !== null && typeof v === 'object')
      ? undefined
      : 'expected a partial RetryPolicy object or false',
  idempotent: boolean,
  idempotencyKey: (v) => (typeof v === 'function' ? undefined : 'expected a function (data, ctx) => string'),
  transactional: boolean,
  prefetch: integer(1, 65535),
  ordered: boolean,
  maxPriority: integer(1, MAX_PRIORITY),
  filter: (v) => headerFilterProblem(v),
  where: (v) => (typeof v === 'function' ? undefined : 'expected a function (data, ctx) => boolean'),
  bus: (v) =>
    typeof v === 'string' && NAME_RE.test(v)
      ? undefined
      : 'expected a bus name of letters, digits and . _ : -',
};

/**
 * Validates the options of one `@OnEvent` handler: unknown keys (with the closest known name) and bad
 * values fail with a HandlerRegistrationError naming the handler and the option. Pure; `undefined`
 * values count as not set.
 */
export function validateOnEventOptions(handlerName: string, options: unknown): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new HandlerRegistrationError(
      handlerName,
      `@OnEvent options must be an object, got ${JSON.stringify(options)}`,
    );
  }
  for (const [key, value] of Object.entries(options)) {
    if (!ON_EVENT_OPTION_KEYS.includes(key)) {
      throw new HandlerRegistrationError(
        handlerName,
        `@OnEvent ${unknownKeyProblem(key, ON_EVENT_OPTION_KEYS)}`,
      );
    }
    if (value === undefined) continue;
    const problem = CHECKS[key](value);
    if (problem) {
      const shown = typeof value === 'function' ? 'a function' : JSON.stringify(value);
      throw new HandlerRegistrationError(handlerName, `@OnEvent option "${key}": ${problem}, got ${shown}`);
    }
    if (key === 'retry' && value !== false) validateRetry(handlerName, value as object);
  }
}

function validateRetry(handlerName: string, retry: object): void {
  try {
    resolveRetryPolicy('retry', retry, DEFAULT_RETRY_POLICY);
  } catch (e) {
    if (!(e instanceof InvalidOptionsError)) throw e;
    throw new HandlerRegistrationError(
      handlerName,
      `@OnEvent option ${e.message.replace(/^Invalid nestjs-amqp-events option /, '')}`,
    );
  }
}
