import {
  executionId,
  isStepMessage,
  isTickMessage,
  stepMessageId,
  stepType,
  tickType,
} from './saga-messages.js';

describe('saga messages', () => {
  it('names the step and tick types after the service', () => {
    expect(stepType('orders')).toBe('Saga.orders.step');
    expect(tickType('orders')).toBe('Saga.orders.tick');
  });

  it('gives one transition one message id, whatever the copy', () => {
    const m = { saga: 's1', kind: 'execute' as const, step: 2, attempt: 3 };
    expect(stepMessageId(m)).toBe('s1:execute:2:3');
    expect(stepMessageId({ ...m })).toBe(stepMessageId(m));
    expect(stepMessageId({ ...m, attempt: 4 })).not.toBe(stepMessageId(m));
  });

  it('keeps the execution id stable across attempts, distinct for compensation', () => {
    expect(executionId('s1', 1, 'charge', 'execute')).toBe('s1:1:charge');
    expect(executionId('s1', 1, 'charge', 'compensate')).toBe('s1:1:charge:compensate');
  });

  it('recognizes well-formed messages only', () => {
    expect(isStepMessage({ saga: 's', kind: 'abort', step: 0, attempt: 1 })).toBe(true);
    expect(isStepMessage({ saga: 's', kind: 'explode', step: 0, attempt: 1 })).toBe(false);
    expect(isStepMessage({ saga: 's', kind: 'execute', step: '0', attempt: 1 })).toBe(false);
    expect(isStepMessage(null)).toBe(false);
    expect(isTickMessage({ schedule: 'r', tick: 3 })).toBe(true);
    expect(isTickMessage({ schedule: 'r', tick: 1.5 })).toBe(false);
  });
});
