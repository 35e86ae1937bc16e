import type { StorageFailure } from './storage-failure';

/** Socket errors met while reaching the server. */
const ERRNO_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'database refuses connections',
  ECONNRESET: 'connection to the database reset',
  EPIPE: 'connection to the database broken',
  ETIMEDOUT: 'database does not answer',
  EHOSTUNREACH: 'database host unreachable',
  ENETUNREACH: 'database network unreachable',
  ENOTFOUND: 'database host not found',
  EAI_AGAIN: 'database host name cannot be resolved now',
};

/** SQLSTATEs that say the server cannot take writes now, not that a statement is wrong. */
const SQLSTATE_REASONS: Readonly<Record<string, string>> = {
  '57P01': 'database shut down by an administrator',
  '57P02': 'database crashed',
  '57P03': 'database cannot take connections now',
  '57P05': 'database connection idle too long',
  '53100': 'database disk full',
  '53200': 'database out of memory',
  '53300': 'database has too many connections',
  '25006': 'database is read-only',
  '58030': 'database I/O error',
};

/** Class 08: connection exceptions. */
const CONNECTION_EXCEPTION = /^08[0-9A-Z]{3}$/;

/**
 * pg reports some connection losses with a message and no code; they get codes of ours so
 * that the health report can name them.
 */
const MESSAGE_CODES: ReadonlyArray<
  [pattern: RegExp, code: string, reason: string]
> = [
  [
    /^Connection terminated/,
    'CONNECTION_TERMINATED',
    'connection to the database lost',
  ],
  [
    /timeout exceeded when trying to connect/,
    'CONNECT_TIMEOUT',
    'database does not answer',
  ],
  [
    /not queryable|Client has encountered a connection error/,
    'CONNECTION_TERMINATED',
    'connection to the database lost',
  ],
];

/**
 * The storage failure a PostgreSQL driver error reports (the server is unreachable, went
 * away, is read-only or out of space), or undefined for any other error (a broken
 * constraint, a bug): the first passes once the database is back, the second does not.
 */
export function postgresStorageFailureOf(
  error: unknown,
): StorageFailure | undefined {
  // Duck-typed: errors made by Node's own modules may come from another realm (a test
  // sandbox), where `instanceof Error` is false.
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, errors } = error as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string') {
    const reason =
      ERRNO_REASONS[code] ??
      SQLSTATE_REASONS[code] ??
      (CONNECTION_EXCEPTION.test(code)
        ? 'connection to the database failed'
        : undefined);
    if (reason !== undefined) return { code, reason };
  }
  // Node reports a refused connection to a host with several addresses as an
  // AggregateError of one error per address.
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const failure = postgresStorageFailureOf(inner);
      if (failure) return failure;
    }
  }
  if (typeof message !== 'string') return undefined;
  const byMessage = MESSAGE_CODES.find(([pattern]) => pattern.test(message));
  return byMessage ? { code: byMessage[1], reason: byMessage[2] } : undefined;
}
