import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { ConcurrencyError } from '../../../src/infrastructure/event-store/event-store.errors';
import { SqliteEventStore } from '../../../src/infrastructure/event-store/sqlite-event-store';
import { connectionOf } from '../../support/sqlite-connection';
import { eventStoreContract } from './event-store.contract';

eventStoreContract('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stackyard-store-'));
  const file = join(dir, 'events.sqlite');
  return {
    create: () => Promise.resolve(SqliteEventStore.open(file)),
    reopen: async (store) => {
      await store.close();
      return SqliteEventStore.open(file);
    },
    dispose: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
});

describe('SqliteEventStore files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to open a file that is not a database', () => {
    const file = join(dir, 'events.sqlite');
    writeFileSync(file, 'this is not a database, just some text '.repeat(200));
    expect(() => SqliteEventStore.open(file)).toThrow(/not a database/);
  });

  it('commits concurrent appends in shared transactions (group commit)', async () => {
    const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
    const before = store.commitCount;
    await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        store.appendToStream(`s-${i}`, [{ type: 'T', data: {} }], {
          expectedVersion: 'no_stream',
        }),
      ),
    );
    expect(store.commitCount - before).toBeLessThan(5);
    await store.close();
  });
});

describe('SqliteEventStore on storage that cannot take writes', () => {
  let dir: string;
  let store: SqliteEventStore;
  let db: Database;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-store-'));
    store = SqliteEventStore.open(join(dir, 'events.sqlite'));
    db = connectionOf(store);
    await store.appendToStream('s-1', [{ type: 'T', data: { n: 1 } }], {
      expectedVersion: 'no_stream',
    });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The file cannot grow: SQLite answers SQLITE_FULL, as on a full disk. */
  const fillDisk = () =>
    db.pragma(
      `max_page_count = ${Number(db.pragma('page_count', { simple: true }))}`,
    );
  const freeDisk = () => db.pragma('max_page_count = 1073741823');
  const big = { type: 'Big', data: { pad: 'x'.repeat(100_000) } };
  const small = (n: number) => ({ type: 'T', data: { n } });
  const unavailable = (code: string) =>
    expect.objectContaining({
      code: 'STORE.UNAVAILABLE',
      kind: 'unavailable',
      failure: expect.objectContaining({ code }) as unknown,
    }) as unknown;

  it('refuses appends on a full disk with STORE.UNAVAILABLE, records none of the batch, and is healthy again once space returns', async () => {
    fillDisk();
    const head = await store.headPosition();
    const outcomes = await Promise.allSettled([
      store.appendToStream('s-1', [small(2), big], { expectedVersion: 0 }),
      store.appendToStream('s-2', [small(3)], {
        expectedVersion: 'no_stream',
      }),
    ]);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: unavailable('SQLITE_FULL') },
      { status: 'rejected', reason: unavailable('SQLITE_FULL') },
    ]);
    expect(await store.headPosition()).toBe(head);
    expect(await store.readStream('s-1')).toHaveLength(1);
    expect(await store.readStream('s-2')).toEqual([]);
    const full = await store.checkWritable();
    expect(full).toEqual({
      writable: false,
      code: 'SQLITE_FULL',
      reason: 'disk full',
      since: expect.any(String) as unknown,
    });
    // Still full: the probe write needs space too, and the failure keeps its start.
    expect(await store.checkWritable()).toEqual(full);

    freeDisk();
    expect(await store.checkWritable()).toEqual({ writable: true });
    await store.appendToStream('s-1', [small(2), big], { expectedVersion: 0 });
    expect(await store.readStream('s-1')).toHaveLength(3);
  });

  it('refuses appends on read-only storage and is healthy again after the next append that succeeds', async () => {
    db.pragma('query_only = ON');
    await expect(
      store.appendToStream('s-1', [small(2)], { expectedVersion: 0 }),
    ).rejects.toEqual(unavailable('SQLITE_READONLY'));
    expect(await store.checkWritable()).toMatchObject({
      writable: false,
      code: 'SQLITE_READONLY',
    });
    db.pragma('query_only = OFF');
    await store.appendToStream('s-1', [small(2)], { expectedVersion: 0 });
    expect(await store.checkWritable()).toEqual({ writable: true });
  });

  it('keeps the errors that are no storage failure as they were', async () => {
    await expect(
      store.appendToStream('s-1', [small(2)], { expectedVersion: 5 }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await store.checkWritable()).toEqual({ writable: true });
  });
});
