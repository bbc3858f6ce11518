import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { typecheckFiles } from './typecheck-files.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string): string => join(here, 'fixtures', name);

/**
 * The fixtures hold `@ts-expect-error` lines: a line that compiles when it should not fails the check
 * ("Unused '@ts-expect-error' directive"), as does a line that should compile and does not. Each
 * fixture is its own program, so its EventMap / EventsTypeRegistry augmentations do not meet.
 */
describe('typed events (type level)', () => {
  it.each([
    'event-map.typecheck.mts',
    'entity-manager.typecheck.mts',
    'unregistered-manager.typecheck.mts',
    'options.typecheck.mts',
  ])(
    '%s type-checks, every @ts-expect-error catching its mistake',
    async (name) => {
      expect(await typecheckFiles([fixture(name)], join(here, 'fixtures'))).toEqual([]);
    },
    120_000,
  );
});
