/** Why the storage under a store cannot take writes, as an operator reads it. */
export interface StorageFailure {
  /** The SQLite result code (extended, when there is one) or the errno code. */
  code: string;
  reason: string;
}

// SQLite's primary result codes for storage that cannot take writes; extended codes
// (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED, …) start with them.
const SQLITE_REASONS: ReadonlyArray<[prefix: string, reason: string]> = [
  ['SQLITE_FULL', 'disk full'],
  ['SQLITE_IOERR', 'I/O error'],
  ['SQLITE_READONLY', 'read-only storage'],
  ['SQLITE_CANTOPEN', 'cannot open its files'],
];

const ERRNO_REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EIO: 'I/O error',
};

/**
 * The storage failure `error` reports, or undefined for any other error (a broken
 * constraint, a bug): the first is the storage's state and passes once space or access
 * returns, the second is not.
 */
export function storageFailureOf(error: unknown): StorageFailure | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  const sqlite = SQLITE_REASONS.find(([prefix]) => code.startsWith(prefix));
  if (sqlite) return { code, reason: sqlite[1] };
  const errno = ERRNO_REASONS[code];
  return errno !== undefined ? { code, reason: errno } : undefined;
}
