/**
 * Classifies errors of the Postgres (pg) and SQLite (better-sqlite3) drivers, whether raw or wrapped by
 * TypeORM (QueryFailedError keeps the driver error as `driverError` and copies its `code`). Pure.
 */

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

/** The error itself and the errors it wraps (TypeORM driverError, `cause`), outermost first. */
function chain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && out.length < 5 && !out.includes(current as ErrorLike)) {
    const e = current as ErrorLike;
    out.push(e);
    current = e.driverError ?? e.cause;
  }
  return out;
}

function codes(error: unknown): string[] {
  return chain(error)
    .map((e) => e.code)
    .filter((c): c is string => typeof c === 'string');
}

function messages(error: unknown): string[] {
  return chain(error)
    .map((e) => e.message)
    .filter((m): m is string => typeof m === 'string');
}

/** A unique-key violation: Postgres 23505, SQLite SQLITE_CONSTRAINT_PRIMARYKEY / _UNIQUE. */
export function isUniqueViolation(error: unknown): boolean {
  return codes(error).some(
    (c) => c === '23505' || c === 'SQLITE_CONSTRAINT_PRIMARYKEY' || c === 'SQLITE_CONSTRAINT_UNIQUE',
  );
}

/** SQLite could not take a lock in time (another connection or process holds it). */
export function isSqliteBusy(error: unknown): boolean {
  return codes(error).some((c) => c.startsWith('SQLITE_BUSY') || c.startsWith('SQLITE_LOCKED'));
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Postgres SQLSTATEs that mean "the database is (temporarily) unavailable or the transaction lost a race",
 * not "this event is bad": connection exceptions (08), operator intervention (57P01-57P05: shutdown,
 * terminated backend, cannot connect now), insufficient resources (53), system errors (58), serialization
 * failure and deadlock (40001, 40P01), lock not available (55P03).
 */
function isTransientSqlState(code: string): boolean {
  if (!/^[0-9A-Z]{5}$/.test(code)) return false;
  return (
    code.startsWith('08') ||
    code.startsWith('53') ||
    code.startsWith('58') ||
    /^57P0[1-5]$/.test(code) ||
    code === '40001' ||
    code === '40P01' ||
    code === '55P03'
  );
}

const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /terminating connection/i,
  /timeout exceeded when trying to connect/i,
  /connection (is )?not (set|established)/i,
  /client (was closed|has encountered a connection error) and is not queryable/i,
  /cannot use a pool after calling end/i,
  /driver not connected/i,
  /the database connection is not open/i,
  /not currently accepting connections/i,
];

/**
 * True when the error says the database is unreachable, restarting, overloaded or locked, i.e. the same
 * delivery will probably succeed later. Such failures are retried without counting an attempt.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  for (const code of codes(error)) {
    if (NETWORK_CODES.has(code) || isTransientSqlState(code)) return true;
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code.startsWith('SQLITE_IOERR'))
      return true;
    if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_FULL' || code === 'SQLITE_PROTOCOL') return true;
  }
  return messages(error).some((m) => TRANSIENT_MESSAGES.some((re) => re.test(m)));
}
