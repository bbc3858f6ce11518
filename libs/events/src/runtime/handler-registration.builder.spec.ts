import { HandlerRegistrationError } from '../errors/handler-registration.error.js';
import { resolveOptions } from '../options/resolve-options.js';
import { buildRegistration, type HandlerInput } from './handler-registration.builder.js';

const options = resolveOptions({ service: 'billing', retry: { maxAttempts: 4, initialDelayMs: 100 } });
const input = (over: Partial<HandlerInput> = {}): HandlerInput => ({
  name: 'Orders.onCreated',
  patterns: ['Order.created'],
  defaultQueue: 'billing.Orders.onCreated',
  options: {},
  invoke: () => undefined,
  ...over,
});

function problem(over: Partial<HandlerInput>): string {
  try {
    buildRegistration(input(over), options);
  } catch (e) {
    expect(e).toBeInstanceOf(HandlerRegistrationError);
    return (e as Error).message;
  }
  throw new Error('expected a HandlerRegistrationError');
}

describe('buildRegistration (the one place handlers are validated and named)', () => {
  it('names the queue, keeps the patterns and takes the module prefetch; no policy of its own', () => {
    const { reg } = buildRegistration(input(), options);
    expect(reg).toMatchObject({
      name: 'Orders.onCreated',
      queue: 'billing.Orders.onCreated',
      patterns: ['Order.created'],
      prefetch: 20,
      retry: undefined,
    });
  });

  it('replaces {service} in patterns and in the queue option', () => {
    const { reg } = buildRegistration(
      input({ patterns: ['Saga.{service}.step'], options: { queue: '{service}.sagas' } }),
      options,
    );
    expect(reg.patterns).toEqual(['Saga.billing.step']);
    expect(reg.queue).toBe('billing.sagas');
    expect(reg.options.queue).toBe('billing.sagas');
  });

  it('turns retry: false into one attempt and merges a partial policy over the module policy', () => {
    expect(buildRegistration(input({ options: { retry: false } }), options).reg.retry).toMatchObject({
      maxAttempts: 1,
    });
    expect(buildRegistration(input({ options: { retry: { maxAttempts: 2 } } }), options).reg.retry).toEqual({
      ...options.retry,
      maxAttempts: 2,
    });
    expect(buildRegistration(input({ defaultRetry: 'none' }), options).reg.retry).toMatchObject({
      maxAttempts: 1,
    });
  });

  it('refuses bad patterns, queue names, prefetch, priority and persistence-only options, naming the handler', () => {
    expect(problem({ patterns: ['Order..created'] })).toMatch(
      /Orders\.onCreated.*pattern "Order\.\.created"/s,
    );
    expect(problem({ patterns: [] })).toMatch(/at least one/);
    expect(problem({ options: { queue: 'bad queue!' } })).toMatch(/queue name/);
    expect(problem({ options: { prefetch: 0 } })).toMatch(/prefetch/);
    expect(problem({ options: { maxPriority: 11 } })).toMatch(/maxPriority/);
    expect(problem({ options: { idempotent: true } })).toMatch(/persistence/);
    expect(problem({ options: { retry: { maxAttempts: 0 } } })).toMatch(/maxAttempts/);
    expect(problem({ options: { prefech: 5 } as never })).toMatch(/did you mean "prefetch"/);
    expect(problem({ options: { filter: { headers: { 'x-tenant': 'a' } } } })).toMatch(/starts with x-/);
    expect(problem({ options: { filter: { headers: {} } } })).toMatch(/at least one header/);
    expect(problem({ options: { where: 'yes' as never } })).toMatch(/"where": expected a function/);
  });

  it('accepts request queues without patterns when asked to', () => {
    const { reg } = buildRegistration(
      input({ patterns: [], allowNoPatterns: true, defaultQueue: 'billing.rpc.Charge' }),
      options,
    );
    expect(reg.patterns).toEqual([]);
    expect(reg.queue).toBe('billing.rpc.Charge');
  });
});
