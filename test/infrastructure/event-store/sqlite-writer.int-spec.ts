import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import { SqliteEventStore } from '../../../src/infrastructure/event-store/sqlite-event-store';
import {
  SqliteWriter,
  type WriterAppend,
} from '../../../src/infrastructure/event-store/sqlite-writer';

describe('the SQLite store writer thread', () => {
  let dir: string;
  let file: string;
  /** Another connection on the file, holding its write lock while a test needs it held. */
  let locker: Database;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-writer-'));
    file = join(dir, 'events.sqlite');
    await SqliteEventStore.open(file).close();
    locker = new BetterSqlite3(file);
  });

  afterEach(() => {
    locker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const lockWrites = () => locker.prepare('BEGIN IMMEDIATE').run();
  const unlockWrites = () => locker.prepare('COMMIT').run();
  const append = (streamId: string, n: number): WriterAppend => ({
    streamId,
    expected: 'any',
    givenIds: [`id-${streamId}-${n}`],
    rows: [[`id-${streamId}-${n}`, 'T', JSON.stringify({ n }), '{}']],
    recordedAt: new Date(0).toISOString(),
  });

  it('leaves the event loop free while a commit waits on the file', async () => {
    const store = SqliteEventStore.open(file);
    await store.appendToStream('s-1', [{ type: 'T', data: { n: 1 } }], {
      expectedVersion: 'no_stream',
    });
    lockWrites();
    let committed = false;
    const appended = store
      .appendToStream('s-1', [{ type: 'T', data: { n: 2 } }], {
        expectedVersion: 0,
      })
      .then((result) => {
        committed = true;
        return result;
      });
    // The batch went to the writer on the turn after the append (an immediate queued
    // before this one), which now waits for the lock. The loop goes on meanwhile: the read
    // below is answered, and sees only what was committed.
    await new Promise((resolve) => setImmediate(resolve));
    const read = await store.readStream('s-1');
    expect(read.map((e) => e.data)).toEqual([{ n: 1 }]);
    expect(committed).toBe(false);
    unlockWrites();
    const result = await appended;
    expect(result.nextExpectedVersion).toBe(1);
    expect((await store.readStream('s-1')).map((e) => e.data)).toEqual([
      { n: 1 },
      { n: 2 },
    ]);
    await store.close();
  });

  it('fails what waits on a thread that died, and starts a new one for the next request', async () => {
    // A thread that dies on a batch for the stream "die" and answers any other with nothing.
    const writer = new SqliteWriter(
      file,
      join(__dirname, 'support', 'dying-writer.worker.js'),
    );
    const [died, after] = await Promise.all([
      writer.commit([append('die', 1)]),
      writer.commit([append('s-1', 1)]),
    ]);
    const exited = {
      failure: {
        code: 'WRITER_EXITED',
        message: 'writer thread exited (3)',
      },
    };
    // Both were sent to the thread that died: neither is known to be committed.
    expect(died).toEqual(exited);
    expect(after).toEqual(exited);
    expect(await writer.commit([append('s-1', 2)])).toEqual({ ok: [] });
    expect(await writer.commit([append('die', 2)])).toEqual(exited);
    expect(await writer.commit([append('s-1', 3)])).toEqual({ ok: [] });
    await writer.close();
  });

  it('reports a retried id, a refused version and a storage failure per the batch', async () => {
    const writer = new SqliteWriter(file);
    await writer.commit([append('s-1', 1)]);
    const outcomes = await writer.commit([
      append('s-1', 1),
      { ...append('s-2', 1), expected: 3 },
      { ...append('s-3', 1), expected: 'no_stream' },
    ]);
    expect(outcomes).toEqual({
      ok: [
        {
          stored: [
            [1, 's-1', 0, 'id-s-1-1', 'T', '{"n":1}', '{}', expect.any(String)],
          ],
        },
        { current: -1, refused: true },
        { current: -1, positions: [2] },
      ],
    });
    expect(await writer.pragma('query_only = ON')).toEqual({ ok: undefined });
    expect(await writer.commit([append('s-4', 1)])).toEqual({
      failure: {
        code: 'SQLITE_READONLY',
        message: expect.any(String) as unknown,
      },
    });
    await writer.close();
  });
});
