import { HandlerRegistrationError } from '../errors/handler-registration.error.js';
import type { HandlerRegistration } from '../consumer/handler-registration.js';
import type { EventContext } from '../interfaces/event-context.interface.js';
import type { OnEventOptions } from '../interfaces/on-event-options.interface.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import { MAX_PRIORITY } from '../constants.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { resolveRetryPolicy } from '../options/resolve-options.js';
import { patternProblem } from '../routing/routing-pattern.js';
import type { Topology } from '../topology/topology.js';
import type { DeliveryProcessor } from '../transport/events-transport.js';
import { validateOnEventOptions } from '../options/on-event-options.validation.js';
import { headerFilterProblem } from './filter-topology.js';
import { handlerNames, QUEUE_NAME_RE } from './handler-names.js';

/** A handler as an integration or the explorer describes it, before validation and naming. */
export interface HandlerInput {
  /** `Class.method`, `@EventPattern(x)`, `CommandBus(Cmd)`: how logs and errors name it. */
  name: string;
  patterns: string[];
  /** The queue when `options.queue` is not set (from `handlerNames`). */
  defaultQueue: string;
  options: OnEventOptions;
  invoke: (data: unknown, ctx: EventContext) => unknown;
  /** `'none'`: one attempt unless `options.retry` says otherwise (requests). @default 'module' */
  defaultRetry?: 'module' | 'none' | RetryPolicy;
  /** Patterns may be empty (request queues bound through `extraTopology`). */
  allowNoPatterns?: boolean;
  /** More to declare with the queue (e.g. bindings from `{exchange}.commands` for request queues). */
  extraTopology?: Topology;
  /** Wraps the processor (e.g. to accept another message format before decoding). */
  wrap?: (processor: DeliveryProcessor) => DeliveryProcessor;
}

/** A validated, named registration, ready for the subscriber. */
export interface BuiltHandler {
  reg: HandlerRegistration;
  extraTopology?: Topology;
  wrap?: (processor: DeliveryProcessor) => DeliveryProcessor;
}

/**
 * The one place a handler registration is validated and named, for `@OnEvent` handlers and every
 * integration (cqrs, remote requests, microservices, sagas): patterns, queue name (with the
 * `{service}` placeholder), retry policy (`false` = one attempt), prefetch, priority, persistence.
 */
export function buildRegistration(input: HandlerInput, options: ResolvedEventsOptions): BuiltHandler {
  const { name, options: o } = input;
  validateOnEventOptions(name, o);
  const fail = (problem: string): never => {
    throw new HandlerRegistrationError(name, problem);
  };
  const patterns = input.patterns.map((p) => handlerNames.expand(p, options.service));
  if (patterns.length === 0 && !input.allowNoPatterns) fail('needs at least one event type pattern');
  for (const p of patterns) {
    const problem = patternProblem(p);
    if (problem) fail(`pattern ${JSON.stringify(p)} ${problem}`);
  }
  if (o.queue !== undefined && typeof o.queue !== 'string')
    fail(`queue must be a string, got ${JSON.stringify(o.queue)}`);
  const queue = o.queue ? handlerNames.expand(o.queue, options.service) : input.defaultQueue;
  if (!QUEUE_NAME_RE.test(queue))
    fail(`queue name ${JSON.stringify(queue)} must be 1..200 of letters, digits and . _ : -`);
  let retry: RetryPolicy | undefined;
  try {
    if (o.retry === false) retry = { ...options.retry, maxAttempts: 1 };
    else if (o.retry) retry = resolveRetryPolicy(`@OnEvent(${name}).retry`, o.retry, options.retry);
    else if (input.defaultRetry === 'none') retry = { ...options.retry, maxAttempts: 1 };
    else if (input.defaultRetry && input.defaultRetry !== 'module') retry = input.defaultRetry;
  } catch (e) {
    fail((e as Error).message);
  }
  const prefetch = o.prefetch ?? options.prefetch;
  if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65535) {
    fail(`prefetch must be an integer from 1 to 65535, got ${JSON.stringify(o.prefetch)}`);
  }
  if (
    o.maxPriority !== undefined &&
    (!Number.isInteger(o.maxPriority) || o.maxPriority < 1 || o.maxPriority > MAX_PRIORITY)
  ) {
    fail(`maxPriority must be an integer from 1 to ${MAX_PRIORITY}, got ${JSON.stringify(o.maxPriority)}`);
  }
  if ((o.idempotent || o.transactional) && !options.persistence) {
    fail('`idempotent` and `transactional` need EventsModule `persistence` (a TypeORM DataSource)');
  }
  if (o.idempotencyKey !== undefined && typeof o.idempotencyKey !== 'function')
    fail('idempotencyKey must be a function (data, ctx) => string');
  if (o.where !== undefined && typeof o.where !== 'function')
    fail('where must be a function (data, ctx) => boolean');
  if (o.filter !== undefined) {
    const problem = headerFilterProblem(o.filter);
    if (problem) fail(problem);
    if (patterns.length === 0) fail('a header filter needs event type patterns');
  }
  return {
    reg: { name, queue, patterns, options: { ...o, queue }, retry, prefetch, invoke: input.invoke },
    extraTopology: input.extraTopology,
    wrap: input.wrap,
  };
}
