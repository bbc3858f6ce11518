import { isSqliteBusy, isTransientDatabaseError, isUniqueViolation } from './database-errors.js';

const err = (props: Record<string, unknown>) => Object.assign(new Error(String(props.message ?? 'x')), props);
/** What TypeORM's QueryFailedError looks like: the driver error kept as driverError, its code copied. */
const wrapped = (driverError: Error) =>
  Object.assign(new Error(driverError.message), { name: 'QueryFailedError', driverError });

describe('database error classification', () => {
  it('recognizes unique violations of Postgres and SQLite, raw or wrapped', () => {
    expect(isUniqueViolation(err({ code: '23505' }))).toBe(true);
    expect(isUniqueViolation(wrapped(err({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' })))).toBe(true);
    expect(isUniqueViolation(err({ code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBe(true);
    expect(isUniqueViolation(err({ code: '23503' }))).toBe(false);
    expect(isUniqueViolation(err({ code: 'SQLITE_CONSTRAINT_NOTNULL' }))).toBe(false);
  });

  it('recognizes SQLITE_BUSY and SQLITE_LOCKED variants', () => {
    expect(isSqliteBusy(wrapped(err({ code: 'SQLITE_BUSY' })))).toBe(true);
    expect(isSqliteBusy(err({ code: 'SQLITE_BUSY_SNAPSHOT' }))).toBe(true);
    expect(isSqliteBusy(err({ code: 'SQLITE_LOCKED' }))).toBe(true);
    expect(isSqliteBusy(err({ code: '40001' }))).toBe(false);
  });

  it.each([
    ['a refused connection', err({ code: 'ECONNREFUSED' })],
    [
      'a terminated backend (57P01)',
      wrapped(err({ code: '57P01', message: 'terminating connection due to administrator command' })),
    ],
    ['a connection exception (08006)', err({ code: '08006' })],
    ['too many connections (53300)', err({ code: '53300' })],
    ['a serialization failure (40001)', err({ code: '40001' })],
    ['a deadlock (40P01)', err({ code: '40P01' })],
    ['a dropped connection without code', err({ message: 'Connection terminated unexpectedly' })],
    ['a pool timeout', err({ message: 'timeout exceeded when trying to connect' })],
    ['SQLITE_BUSY', err({ code: 'SQLITE_BUSY' })],
    ['an I/O error of SQLite', err({ code: 'SQLITE_IOERR_WRITE' })],
    [
      'an error whose cause is a network error',
      Object.assign(new Error('outer'), { cause: err({ code: 'ECONNRESET' }) }),
    ],
  ])('treats %s as transient', (_name, error) => {
    expect(isTransientDatabaseError(error)).toBe(true);
  });

  it.each([
    ['a unique violation', err({ code: '23505' })],
    ['a syntax error', err({ code: '42601' })],
    ['a missing table', err({ code: '42P01' })],
    ['a check violation', err({ code: 'SQLITE_CONSTRAINT_CHECK' })],
    ['a plain error', new Error('boom')],
    ['a non-error', 'boom'],
  ])('treats %s as an ordinary failure', (_name, error) => {
    expect(isTransientDatabaseError(error)).toBe(false);
  });
});
