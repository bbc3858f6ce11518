import { closestName, editDistance } from './closest-name.js';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('url', 'uri')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('prefetch', 'prefetch')).toBe(0);
  });
});

describe('closestName', () => {
  const known = ['uri', 'service', 'exchange', 'prefetch', 'retry', 'queueType', 'maxPriority'];

  it('suggests the name one typo away', () => {
    expect(closestName('url', known)).toBe('uri');
    expect(closestName('servce', known)).toBe('service');
    expect(closestName('exchnage', known)).toBe('exchange');
  });

  it('suggests a name that contains the input or is contained in it, ignoring case', () => {
    expect(closestName('prefetchCount', known)).toBe('prefetch');
    expect(closestName('attempts', ['maxAttempts', 'backoff'])).toBe('maxAttempts');
    expect(closestName('QueueType', known)).toBe('queueType');
  });

  it('prefers the smallest distance', () => {
    expect(closestName('retyr', ['retry', 'rety', 'reset'])).toBe('rety');
  });

  it('suggests nothing when no name is close', () => {
    expect(closestName('zzzzzz', known)).toBeUndefined();
    expect(closestName('x', known)).toBeUndefined();
  });
});
