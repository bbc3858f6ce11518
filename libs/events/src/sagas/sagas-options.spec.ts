import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type { SagaDefinition } from './saga-definition.interface.js';
import { previousCompensable } from './saga-messages.js';
import { awaitedTypes, resolveSagasOptions } from './sagas-options.js';

const ok: SagaDefinition = {
  name: 'order',
  steps: [{ name: 'a', execute: () => undefined, compensate: () => undefined }],
};

describe('resolveSagasOptions', () => {
  it('applies defaults and takes the EventsModule persistence DataSource', () => {
    const r = resolveSagasOptions({ sagas: [ok] }, 'ds');
    expect(r.dataSource).toBe('ds');
    expect(r.leaseMs).toBe(30_000);
    expect(r.retry).toEqual({
      maxAttempts: 3,
      backoff: 'exponential',
      initialDelayMs: 1000,
      maxDelayMs: 60_000,
      jitter: 0,
    });
    expect([...r.sagas.keys()]).toEqual(['order']);
  });

  it.each([
    [{ sagas: [ok], lease: 1 }, 'SagasModule.lease'],
    [{ sagas: [ok], leaseMs: 5 }, 'SagasModule.leaseMs'],
    [{ sagas: [ok], retry: { maxAttempt: 2 } }, 'SagasModule.retry.maxAttempt'],
    [{ sagas: [ok, ok] }, 'SagasModule.sagas[1].name'],
    [{ sagas: [{ name: 'x y', steps: [] }] }, 'SagasModule.sagas[0].name'],
    [{ sagas: [{ name: 'x', steps: [] }] }, 'SagasModule.sagas[0].steps'],
    [{ sagas: [{ name: 'x', steps: [{ name: 's' }] }] }, 'SagasModule.sagas[0].steps[0]'],
    [
      { sagas: [{ name: 'x', steps: [{ name: 's', awaitEvents: { types: ['A.*'], timeoutMs: 5 } }] }] },
      'SagasModule.sagas[0].steps[0].awaitEvents.types',
    ],
    [{ sagas: [{ name: 'x', steps: [ok.steps[0], ok.steps[0]] }] }, 'SagasModule.sagas[0].steps[1].name'],
  ])('rejects %j naming %s', (options, option) => {
    let error: unknown;
    try {
      resolveSagasOptions(options as never, 'ds');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).option).toBe(option);
  });

  it('needs a DataSource', () => {
    expect(() => resolveSagasOptions({ sagas: [ok] }, undefined)).toThrow(
      /SagasModule.dataSource.*configure EventsModule `persistence`/,
    );
  });

  it('lists the awaited event types of all sagas once', () => {
    const def: SagaDefinition = {
      name: 'w',
      steps: [
        { name: 'a', awaitEvents: { types: ['B.x', 'A.x'], timeoutMs: 5 } },
        { name: 'b', awaitEvents: { types: ['A.x'], timeoutMs: 5 } },
      ],
    };
    expect(awaitedTypes([def, ok])).toEqual(['A.x', 'B.x']);
  });

  it('finds the previous step to compensate, skipping steps without compensate', () => {
    const noop = () => undefined;
    const def: SagaDefinition = {
      name: 'c',
      steps: [
        { name: 'a', execute: noop, compensate: noop },
        { name: 'b', execute: noop },
        { name: 'c', execute: noop, compensate: noop },
      ],
    };
    expect(previousCompensable(def, 2)).toBe(2);
    expect(previousCompensable(def, 1)).toBe(0);
    expect(previousCompensable(def, -1)).toBe(-1);
  });
});
