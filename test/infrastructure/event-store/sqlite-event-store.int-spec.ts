import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../../src/infrastructure/event-store/sqlite-event-store';
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
