import { HandlerRegistrationError } from '../errors/handler-registration.error.js';
import { validateOnEventOptions } from './on-event-options.validation.js';

function messageOf(options: unknown): string {
  try {
    validateOnEventOptions('Orders.onCreated', options);
  } catch (e) {
    expect(e).toBeInstanceOf(HandlerRegistrationError);
    expect((e as HandlerRegistrationError).handler).toBe('Orders.onCreated');
    return (e as Error).message;
  }
  throw new Error('expected a HandlerRegistrationError');
}

describe('validateOnEventOptions', () => {
  it('accepts every documented option', () => {
    expect(() =>
      validateOnEventOptions('Orders.onCreated', {
        queue: '{service}.orders',
        retry: { maxAttempts: 2, backoff: 'linear' },
        idempotent: true,
        idempotencyKey: () => 'k',
        transactional: false,
        prefetch: 5,
        ordered: true,
        maxPriority: 10,
        bus: 'audit',
      }),
    ).not.toThrow();
    expect(() =>
      validateOnEventOptions('Orders.onCreated', { retry: false, queue: undefined }),
    ).not.toThrow();
    expect(() => validateOnEventOptions('Orders.onCreated', undefined)).not.toThrow();
  });

  it('rejects an unknown key naming the handler and suggesting the closest option', () => {
    expect(messageOf({ retries: { maxAttempts: 2 } })).toBe(
      'Cannot register event handler Orders.onCreated: @OnEvent "retries" is not an option; did you mean "retry"?',
    );
    expect(messageOf({ idempotant: true })).toContain('did you mean "idempotent"?');
    expect(messageOf({ zzzzzz: 1 })).toContain('known options: queue, retry, idempotent');
  });

  it('rejects an unknown retry key with the closest retry option', () => {
    expect(messageOf({ retry: { attempts: 3 } })).toBe(
      'Cannot register event handler Orders.onCreated: @OnEvent option "retry.attempts": "attempts" is not an option of retry; did you mean "maxAttempts"?',
    );
  });

  it('rejects bad values naming the option and the value', () => {
    expect(messageOf({ maxPriority: 11 })).toBe(
      'Cannot register event handler Orders.onCreated: @OnEvent option "maxPriority": expected an integer from 1 to 10, got 11',
    );
    expect(messageOf({ maxPriority: 0 })).toContain('"maxPriority"');
    expect(messageOf({ prefetch: 1.5 })).toContain(
      '"prefetch": expected an integer from 1 to 65535, got 1.5',
    );
    expect(messageOf({ retry: true })).toContain(
      '"retry": expected a partial RetryPolicy object or false, got true',
    );
    expect(messageOf({ retry: { maxAttempts: 0 } })).toContain(
      '"retry.maxAttempts": expected an integer from 1 to 1000, got 0',
    );
    expect(messageOf({ idempotent: 'yes' })).toContain('"idempotent": expected a boolean, got "yes"');
    expect(messageOf({ idempotencyKey: 'id' })).toContain('"idempotencyKey": expected a function');
    expect(messageOf({ queue: 'has space' })).toContain('"queue"');
    expect(messageOf({ bus: '' })).toContain('"bus"');
    expect(messageOf({ ordered: 1 })).toContain('"ordered": expected a boolean, got 1');
  });

  it('rejects options that are not an object', () => {
    expect(messageOf(null)).toContain('@OnEvent options must be an object, got null');
    expect(messageOf(['queue'])).toContain('must be an object');
  });
});
