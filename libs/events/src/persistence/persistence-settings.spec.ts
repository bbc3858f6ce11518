import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type { EventsPersistenceOptions } from '../interfaces/events-module-options.interface.js';
import { DEFAULT_PERSISTENCE_SETTINGS, resolvePersistenceSettings } from './persistence-settings.js';

const opts = (o: Record<string, unknown>) =>
  ({ dataSource: {}, ...o }) as unknown as EventsPersistenceOptions;

describe('resolvePersistenceSettings', () => {
  it('applies the documented defaults', () => {
    expect(resolvePersistenceSettings(opts({}))).toEqual({
      inboxRetentionMs: 7 * 24 * 3600 * 1000,
      outboxRetentionMs: 7 * 24 * 3600 * 1000,
      pruneIntervalMs: 60_000,
      pruneBatchSize: 500,
      relay: true,
      relayIntervalMs: 200,
      relayBatchSize: 200,
    });
  });

  it('keeps valid values', () => {
    const s = resolvePersistenceSettings(
      opts({ relay: false, relayBatchSize: 50, pruneIntervalMs: 0, outboxRetentionMs: 0 }),
    );
    expect(s).toEqual({
      ...DEFAULT_PERSISTENCE_SETTINGS,
      relay: false,
      relayBatchSize: 50,
      pruneIntervalMs: 0,
      outboxRetentionMs: 0,
    });
  });

  it.each([
    ['inboxRetentionMs', { inboxRetentionMs: 10 }],
    ['outboxRetentionMs', { outboxRetentionMs: -1 }],
    ['pruneIntervalMs', { pruneIntervalMs: 1.5 }],
    ['pruneBatchSize', { pruneBatchSize: 0 }],
    ['relay', { relay: 'yes' }],
    ['relayIntervalMs', { relayIntervalMs: '200' }],
    ['relayBatchSize', { relayBatchSize: 100_000 }],
    ['relayBatchsize', { relayBatchsize: 10 }],
  ])('refuses a bad %s, naming it', (name, input) => {
    let error: unknown;
    try {
      resolvePersistenceSettings(opts(input));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).option).toBe(`persistence.${name}`);
  });
});
