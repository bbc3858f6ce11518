import { SagaMetrics } from './saga-metrics.js';

describe('SagaMetrics', () => {
  it('counts lifecycle transitions in total and per saga', () => {
    const m = new SagaMetrics('orders');
    m.record('started', 'fulfil');
    m.record('started', 'fulfil');
    m.record('started', 'refund');
    m.record('completed', 'fulfil');
    m.record('compensated', 'fulfil');
    m.record('failed', 'refund');
    expect(m.snapshot()).toMatchObject({
      started: 3,
      completed: 1,
      compensated: 1,
      failed: 1,
      bySaga: {
        fulfil: { started: 2, completed: 1, compensated: 1, failed: 0 },
        refund: { started: 1, completed: 0, compensated: 0, failed: 1 },
      },
    });
  });

  it('keeps step run durations and failures', () => {
    const m = new SagaMetrics('orders');
    m.step('fulfil', 'charge', 'execute', true, 4);
    m.step('fulfil', 'charge', 'execute', false, 10);
    m.step('fulfil', 'reserve', 'compensate', true, 1);
    expect(m.snapshot()).toMatchObject({ stepFailures: 1, stepDurationMs: { count: 3, sum: 15, max: 10 } });
  });

  it('returns a copy: a snapshot does not change afterwards', () => {
    const m = new SagaMetrics('orders');
    m.record('started', 'fulfil');
    const before = m.snapshot();
    m.record('started', 'fulfil');
    m.step('fulfil', 'a', 'execute', true, 2);
    expect(before).toMatchObject({
      started: 1,
      bySaga: { fulfil: { started: 1 } },
      stepDurationMs: { count: 0 },
    });
  });
});
