import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type { RetryPolicy } from '../interfaces/retry-policy.interface.js';
import type { SagaDefinition } from './saga-definition.interface.js';

export interface SagasModuleOptions {
  /** The sagas this service runs. */
  sagas: Array<SagaDefinition<unknown>>;
  /**
   * TypeORM DataSource holding `events_sagas` / `events_schedules` (run `sagasPostgresMigrations` or
   * `sagasSqliteMigrations`). Must be the database of the EventsModule outbox, since every saga transition
   * commits together with the messages it sends. @default EventsModule `persistence.dataSource`
   */
  dataSource?: unknown;
  /** Default retry policy of a step's execute and compensate. @default { maxAttempts: 3, backoff: 'exponential', initialDelayMs: 1000, maxDelayMs: 60000 } */
  retry?: Partial<RetryPolicy>;
  /**
   * How long one instance holds a saga while it runs a step. Another instance does not run the saga's
   * step while the lease holds; a step that outlives it may be run again elsewhere. @default 30000
   */
  leaseMs?: number;
}

export interface ResolvedSagasOptions {
  sagas: Map<string, SagaDefinition<unknown>>;
  dataSource: unknown;
  retry: RetryPolicy;
  leaseMs: number;
}

const KNOWN = ['sagas', 'dataSource', 'retry', 'leaseMs'];
const RETRY_KEYS = ['maxAttempts', 'backoff', 'initialDelayMs', 'maxDelayMs', 'jitter'];
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

function fail(option: string, problem: string): never {
  throw new InvalidOptionsError(`SagasModule.${option}`, problem);
}

function positiveInt(value: unknown, option: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    fail(option, `expected an integer >= ${min}, got ${JSON.stringify(value)}`);
  return value;
}

/** Merges a partial retry policy over `base`, checking every key. */
export function mergeRetry(
  base: RetryPolicy,
  partial: Partial<RetryPolicy> | undefined,
  option: string,
): RetryPolicy {
  if (partial === undefined) return base;
  if (typeof partial !== 'object' || partial === null) fail(option, 'expected an object');
  for (const key of Object.keys(partial))
    if (!RETRY_KEYS.includes(key)) fail(`${option}.${key}`, `unknown key; known: ${RETRY_KEYS.join(', ')}`);
  const out = { ...base, ...partial };
  positiveInt(out.maxAttempts, `${option}.maxAttempts`);
  positiveInt(out.initialDelayMs, `${option}.initialDelayMs`, 0);
  positiveInt(out.maxDelayMs, `${option}.maxDelayMs`, 0);
  if (!['fixed', 'linear', 'exponential'].includes(out.backoff))
    fail(`${option}.backoff`, `expected 'fixed', 'linear' or 'exponential'`);
  return out;
}

function checkDefinition(def: SagaDefinition<unknown>, i: number): void {
  const at = `sagas[${i}]`;
  if (!def || typeof def !== 'object') fail(at, 'expected a SagaDefinition object');
  if (typeof def.name !== 'string' || !NAME.test(def.name))
    fail(`${at}.name`, `expected letters, digits, '_', '-', '.' (got ${JSON.stringify(def.name)})`);
  if (!Array.isArray(def.steps) || def.steps.length === 0)
    fail(`${at}.steps`, `saga "${def.name}" needs at least one step`);
  if (def.timeoutMs !== undefined) positiveInt(def.timeoutMs, `${at}.timeoutMs`);
  const names = new Set<string>();
  def.steps.forEach((step, j) => {
    const s = `${at}.steps[${j}]`;
    if (typeof step?.name !== 'string' || step.name === '') fail(`${s}.name`, 'expected a non-empty string');
    if (names.has(step.name)) fail(`${s}.name`, `step "${step.name}" appears twice in saga "${def.name}"`);
    names.add(step.name);
    if (!step.execute && !step.awaitEvents) fail(s, `step "${step.name}" needs execute() or awaitEvents`);
    if (step.awaitEvents) {
      const a = step.awaitEvents;
      if (
        !Array.isArray(a.types) ||
        a.types.length === 0 ||
        a.types.some((t) => typeof t !== 'string' || t === '' || /[*#]/.test(t))
      )
        fail(`${s}.awaitEvents.types`, 'expected a non-empty list of event types (no wildcards)');
      positiveInt(a.timeoutMs, `${s}.awaitEvents.timeoutMs`);
    }
  });
}

/** Applies defaults and validates every key (pure); `persistenceDataSource` is EventsModule's. */
export function resolveSagasOptions(
  options: SagasModuleOptions,
  persistenceDataSource: unknown,
): ResolvedSagasOptions {
  if (!options || typeof options !== 'object') fail('options', 'expected an object');
  for (const key of Object.keys(options))
    if (!KNOWN.includes(key)) fail(key, `unknown option; known: ${KNOWN.join(', ')}`);
  if (!Array.isArray(options.sagas)) fail('sagas', 'expected an array of SagaDefinition');
  const sagas = new Map<string, SagaDefinition<unknown>>();
  (options.sagas as Array<SagaDefinition<unknown>>).forEach((def, i) => {
    checkDefinition(def, i);
    if (sagas.has(def.name)) fail(`sagas[${i}].name`, `two sagas are named "${def.name}"`);
    sagas.set(def.name, def);
  });
  const dataSource = options.dataSource ?? persistenceDataSource;
  if (!dataSource)
    fail(
      'dataSource',
      'no DataSource: configure EventsModule `persistence` (sagas need its outbox) or pass one',
    );
  const retry = mergeRetry(
    { maxAttempts: 3, backoff: 'exponential', initialDelayMs: 1000, maxDelayMs: 60_000, jitter: 0 },
    options.retry,
    'retry',
  );
  for (const def of sagas.values())
    def.steps.forEach((s, j) => mergeRetry(retry, s.retry, `sagas.${def.name}.steps[${j}].retry`));
  const leaseMs = options.leaseMs === undefined ? 30_000 : positiveInt(options.leaseMs, 'leaseMs', 100);
  return { sagas, dataSource, retry, leaseMs };
}

/** Event types the awaitEvents steps of these sagas wait for. */
export function awaitedTypes(sagas: Iterable<SagaDefinition<unknown>>): string[] {
  const out = new Set<string>();
  for (const def of sagas)
    for (const step of def.steps) for (const t of step.awaitEvents?.types ?? []) out.add(t);
  return [...out].sort();
}
