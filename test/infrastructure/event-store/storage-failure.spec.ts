import { storageFailureOf } from '../../../src/infrastructure/event-store/storage-failure';

const withCode = (code: unknown) =>
  Object.assign(new Error('storage says no'), { code });

describe('storage failures', () => {
  it.each([
    ['SQLITE_FULL', 'disk full'],
    ['SQLITE_IOERR', 'I/O error'],
    ['SQLITE_IOERR_WRITE', 'I/O error'],
    ['SQLITE_IOERR_FSYNC', 'I/O error'],
    ['SQLITE_READONLY', 'read-only storage'],
    ['SQLITE_READONLY_DBMOVED', 'read-only storage'],
    ['SQLITE_CANTOPEN', 'cannot open its files'],
    ['ENOSPC', 'disk full'],
    ['EDQUOT', 'disk quota exceeded'],
    ['EROFS', 'read-only file system'],
    ['EIO', 'I/O error'],
  ])('%s is one: %s', (code, reason) => {
    expect(storageFailureOf(withCode(code))).toEqual({ code, reason });
  });

  it.each([
    ['a broken constraint', withCode('SQLITE_CONSTRAINT_UNIQUE')],
    ['a busy database', withCode('SQLITE_BUSY')],
    ['a bad statement', withCode('SQLITE_ERROR')],
    ['a numeric code', withCode(28)],
    ['an error without a code', new Error('bug')],
    ['no error at all', undefined],
  ])('%s is none', (_, error) => {
    expect(storageFailureOf(error)).toBeUndefined();
  });
});
