import { postgresStorageFailureOf } from '../../../src/infrastructure/event-store/postgres-storage-failure';

const coded = (code: string, message = 'failed') =>
  Object.assign(new Error(message), { code });

describe('postgresStorageFailureOf', () => {
  it.each([
    ['ECONNREFUSED', 'database refuses connections'],
    ['ECONNRESET', 'connection to the database reset'],
    ['57P01', 'database shut down by an administrator'],
    ['57P03', 'database cannot take connections now'],
    ['53100', 'database disk full'],
    ['53300', 'database has too many connections'],
    ['25006', 'database is read-only'],
    ['08006', 'connection to the database failed'],
  ])('names %s as a storage failure', (code, reason) => {
    expect(postgresStorageFailureOf(coded(code))).toEqual({ code, reason });
  });

  it('gives codes to the connection losses pg reports by message alone', () => {
    expect(
      postgresStorageFailureOf(new Error('Connection terminated unexpectedly')),
    ).toEqual({
      code: 'CONNECTION_TERMINATED',
      reason: 'connection to the database lost',
    });
    expect(
      postgresStorageFailureOf(
        new Error('timeout exceeded when trying to connect'),
      ),
    ).toMatchObject({ code: 'CONNECT_TIMEOUT' });
  });

  it('looks into the errors of an AggregateError (a host with several addresses)', () => {
    expect(
      postgresStorageFailureOf(
        new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]),
      ),
    ).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('recognises errors from another realm, which are no instance of this Error', () => {
    expect(
      postgresStorageFailureOf({ code: 'ECONNREFUSED', message: 'refused' }),
    ).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('leaves alone what is no storage failure', () => {
    for (const error of [
      coded('23505', 'duplicate key'),
      coded('42P01', 'relation does not exist'),
      coded('28P01', 'password authentication failed'),
      new Error('something else'),
      undefined,
      'a string',
    ]) {
      expect(postgresStorageFailureOf(error)).toBeUndefined();
    }
  });
});
