import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import {
  buildUpcasterRegistry,
  currentSchemaVersion,
  upcastEvent,
  type EventUpcaster,
} from './event-upcaster.js';

const v1to2: EventUpcaster<{ name: string }, { first: string; last: string }> = {
  eventType: 'User.registered',
  fromVersion: 1,
  toVersion: 2,
  upcast: (d) => ({ first: d.name.split(' ')[0], last: d.name.split(' ')[1] }),
};
const v2to3: EventUpcaster<{ first: string; last: string }, { first: string; last: string; email: null }> = {
  eventType: 'User.registered',
  fromVersion: 2,
  toVersion: 3,
  upcast: (d) => ({ ...d, email: null }),
};

describe('upcastEvent', () => {
  const registry = buildUpcasterRegistry([v2to3, v1to2] as EventUpcaster[]);

  it('chains v1 → v2 → v3 and reports the resulting version', () => {
    expect(upcastEvent(registry, 'User.registered', 1, { name: 'Ada Lovelace' })).toEqual({
      version: 3,
      data: { first: 'Ada', last: 'Lovelace', email: null },
    });
  });

  it('starts the chain at the given version and leaves current or unknown types unchanged', () => {
    expect(upcastEvent(registry, 'User.registered', 2, { first: 'A', last: 'B' }).data).toEqual({
      first: 'A',
      last: 'B',
      email: null,
    });
    expect(upcastEvent(registry, 'User.registered', 3, { x: 1 })).toEqual({ version: 3, data: { x: 1 } });
    expect(upcastEvent(registry, 'Other', 1, { x: 1 })).toEqual({ version: 1, data: { x: 1 } });
  });

  it('takes the highest target as the current schema version of a type (1 without upcasters)', () => {
    expect(currentSchemaVersion(registry, 'User.registered')).toBe(3);
    expect(currentSchemaVersion(registry, 'Other')).toBe(1);
  });

  it('refuses bad upcasters naming the option', () => {
    expect(() => buildUpcasterRegistry([{ ...v1to2, toVersion: 1 }] as EventUpcaster[])).toThrow(
      /upcasters\[0\]\.toVersion/,
    );
    expect(() => buildUpcasterRegistry([v1to2, v1to2] as EventUpcaster[])).toThrow(InvalidOptionsError);
    expect(() =>
      buildUpcasterRegistry([{ ...v1to2, upcast: undefined }] as unknown as EventUpcaster[]),
    ).toThrow(/upcasters\[0\]\.upcast/);
  });
});
