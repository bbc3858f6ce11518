import { resolveEventSourcingOptions, type EventSourcingModuleOptions } from './event-sourcing.options.js';

describe('resolveEventSourcingOptions', () => {
  it('applies the defaults', () => {
    const o = resolveEventSourcingOptions({});
    expect(o).toMatchObject({ publish: true, snapshotEvery: 0, readBatchSize: 1000 });
    expect(o.projections).toMatchObject({
      enabled: true,
      batchSize: 500,
      pollIntervalMs: 500,
      leaseMs: 10_000,
    });
    expect(o.projections.retry.maxAttempts).toBe(5);
  });

  it('fails naming an unknown or invalid option', () => {
    expect(() => resolveEventSourcingOptions({ publsh: true } as EventSourcingModuleOptions)).toThrow(
      /"publsh": unknown option/,
    );
    expect(() =>
      resolveEventSourcingOptions({ projections: { batchsize: 1 } } as EventSourcingModuleOptions),
    ).toThrow(/"projections.batchsize"/);
    expect(() => resolveEventSourcingOptions({ snapshots: { every: -1 } })).toThrow(/"snapshots.every"/);
    expect(() => resolveEventSourcingOptions({ projections: { leaseMs: 5 } })).toThrow(
      /"projections.leaseMs"/,
    );
    expect(() =>
      resolveEventSourcingOptions({ publish: 'yes' } as unknown as EventSourcingModuleOptions),
    ).toThrow(/"publish"/);
    expect(() =>
      resolveEventSourcingOptions({ dataSource: {} } as unknown as EventSourcingModuleOptions),
    ).toThrow(/"dataSource"/);
    expect(() => resolveEventSourcingOptions({ projections: { retry: { maxAttempts: 0 } } })).toThrow(
      /projections.retry.maxAttempts/,
    );
  });
});
