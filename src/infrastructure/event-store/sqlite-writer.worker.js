// @ts-check
'use strict';
/**
 * The SQLite event store's writer, on a worker thread of its own (see SqliteWriter).
 *
 * A commit's WAL sync (synchronous=FULL) takes a millisecond or more of waiting on the disk,
 * and on the event loop that answers requests it was a fifth of the loop's time while jobs
 * ran. Here it waits on this thread instead. The file holds only what this thread's own
 * connection commits: the main thread's connection reads.
 *
 * Plain JavaScript so that it runs as it is, from the compiled service and from the source
 * tree under the tests alike; it knows no event types and decides nothing the main thread
 * cannot check again: per append it reports the rows stored under the given event ids, or
 * the stream's version and the positions of the rows it inserted, or that the expected
 * version did not hold (the main thread raises the error by the shared append rules).
 *
 * Messages in: { kind: 'commit', appends } | { kind: 'probe', bytes } | { kind: 'pragma',
 * source } (a setting of this connection, as the tests make a full or read-only disk) |
 * { kind: 'close' }.
 * Messages out, one per message in and in order: { ok } | { failure: { code, message } }.
 */
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');

if (!parentPort)
  throw new Error('sqlite-writer.worker runs on a worker thread');
const port = parentPort;

/** @type {{ fileName: string, storageCodes: { sqlitePrefixes: string[], errno: string[] } }} */
const { fileName, storageCodes } = workerData;

const db = new Database(fileName);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -65536');

const COLUMNS =
  'global_position, stream_id, stream_version, event_id, type, data, metadata, recorded_at';
const NO_STREAM_VERSION = -1;

const version = db
  .prepare(
    'SELECT stream_version FROM events WHERE stream_id = ? ORDER BY stream_version DESC LIMIT 1',
  )
  .pluck(true);
const byEventId = db
  .prepare(`SELECT ${COLUMNS} FROM events WHERE event_id = ?`)
  .raw(true);
const insert = db.prepare(
  'INSERT INTO events (stream_id, stream_version, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
);
const insertProbe = db.prepare(
  'INSERT INTO write_probe (pad) VALUES (zeroblob(?))',
);
const clearProbe = db.prepare('DELETE FROM write_probe');

/**
 * The expected-version rule of the store's append rules (checkExpectedVersion), which the
 * main thread applies again to the version reported here to raise its error.
 * @param {string | number} expected
 * @param {number} current
 */
function expectedHolds(expected, current) {
  return (
    expected === 'any' ||
    (expected === 'no_stream' && current === NO_STREAM_VERSION) ||
    (expected === 'stream_exists' && current !== NO_STREAM_VERSION) ||
    expected === current
  );
}

/**
 * @typedef {{
 *   streamId: string,
 *   expected: string | number,
 *   givenIds: (string | null)[],
 *   rows: [eventId: string, type: string, data: string, metadata: string][],
 *   recordedAt: string,
 * }} Append
 */

/**
 * One append inside the batch's transaction. Nothing is written unless every check passed.
 * @param {Append} append
 */
function appendOne(append) {
  try {
    const stored = append.givenIds.map((id) =>
      id === null ? null : (byEventId.get(id) ?? null),
    );
    if (stored.some((row) => row !== null)) return { stored };
    const current =
      /** @type {number | undefined} */ (version.get(append.streamId)) ??
      NO_STREAM_VERSION;
    if (!expectedHolds(append.expected, current))
      return { current, refused: true };
    const positions = append.rows.map(([eventId, type, data, metadata], i) =>
      Number(
        insert.run(
          append.streamId,
          current + 1 + i,
          eventId,
          type,
          data,
          metadata,
          append.recordedAt,
        ).lastInsertRowid,
      ),
    );
    return { current, positions };
  } catch (error) {
    // SQLite rolls the whole transaction back on a storage failure: the batch fails as one.
    if (storageFailure(error)) throw error;
    return { error: describe(error) };
  }
}

const commit = db.transaction(
  /** @param {Append[]} appends */ (appends) => appends.map(appendOne),
);
const probe = db.transaction(
  /** @param {number} bytes */ (bytes) => {
    insertProbe.run(bytes);
    clearProbe.run();
  },
);

/** @param {unknown} error */
function describe(error) {
  const e = /** @type {{ code?: unknown, message?: unknown }} */ (error ?? {});
  return {
    code: typeof e.code === 'string' ? e.code : undefined,
    message: typeof e.message === 'string' ? e.message : String(error),
  };
}

/**
 * Whether `error` says the storage cannot take writes, by the codes the main thread's
 * storage-failure rules name.
 * @param {unknown} error
 */
function storageFailure(error) {
  const code = /** @type {{ code?: unknown }} */ (error ?? {}).code;
  return (
    typeof code === 'string' &&
    (storageCodes.sqlitePrefixes.some((p) => code.startsWith(p)) ||
      storageCodes.errno.includes(code))
  );
}

port.on(
  'message',
  /** @param {{ kind: 'commit', appends: Append[] } | { kind: 'probe', bytes: number } | { kind: 'pragma', source: string } | { kind: 'close' }} message */
  (message) => {
    try {
      if (message.kind === 'commit') {
        port.postMessage({ ok: commit.immediate(message.appends) });
      } else if (message.kind === 'probe') {
        probe.immediate(message.bytes);
        port.postMessage({ ok: true });
      } else if (message.kind === 'pragma') {
        port.postMessage({ ok: db.pragma(message.source, { simple: true }) });
      } else {
        db.close();
        port.postMessage({ ok: true });
        port.close();
      }
    } catch (error) {
      port.postMessage({ failure: describe(error) });
    }
  },
);
