import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { typecheckFiles } from './typecheck-files.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string): string => join(here, 'fixtures', name);

/**
 * The fixtures hold `@ts-expect-error` lines: a line that compiles when it should not fails the check
 * ("Unused '@ts-expect-error' directive"), as does a line that should compile and does not. A fixture
 * that augments EventMap or EventsTypeRegistry is a program of its own, so augmentations do not meet;
 * the fixtures without augmentations share one program.
 */
describe('typed events and options (type level)', () => {
  it.each([
    { files: 'event-map.typecheck.mts' },
    { files: 'entity-manager.typecheck.mts' },
    { files: 'unregistered-manager.typecheck.mts options.typecheck.mts' },
  ])(
    '$files type-check, every @ts-expect-error catching its mistake',
    async ({ files }) => {
      expect(await typecheckFiles(files.split(' ').map(fixture), join(here, 'fixtures'))).toEqual([]);
    },
    120_000,
  );
});
