import { createHash, type Hash } from 'node:crypto';
import { existsSync } from 'node:fs';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { Client, type QueryArrayResult } from 'pg';
import {
  type PostgresTables,
  migrateEventStoreSchema,
  postgresTables,
} from './postgres-schema';

/**
 * Copying a SQLite event history into an empty PostgreSQL store (`npm run migrate-store`).
 *
 * Everything is copied as stored: global positions, stream versions, event ids, types, the
 * `data` and `metadata` JSON text (PostgreSQL's `json` keeps text as written) and the
 * recorded times. The copy runs in ONE PostgreSQL transaction that also moves the store's
 * head row to the last copied position and checks the copy before it commits: a copy that
 * fails or is interrupted anywhere (an error, a lost connection, a killed process) leaves
 * no event behind, and the target is the empty store it was before. The SQLite file is
 * opened read-only and read in one snapshot.
 */

export interface MigrateStoreOptions {
  /** The SQLite event file (`events.sqlite`); it must exist. */
  sourceFile: string;
  /** The PostgreSQL database (`postgres://…`); never logged as given. */
  url: string;
  /** The target schema, created when missing. */
  schema: string;
  /** Events per INSERT; default 2000. */
  batchSize?: number;
  /** Receives progress lines; default none. */
  log?: (line: string) => void;
  /** Least time between two progress lines; default 1000 ms. */
  progressEveryMs?: number;
}

export interface MigrationResult {
  events: number;
  streams: number;
  /** The last copied global position: the next append gets the one after it. */
  lastPosition: number;
  /** The source's checksum (see {@link EventChecksum}). */
  sourceChecksum: string;
  /** The target's, computed by PostgreSQL over the copied rows: equal to the source's. */
  targetChecksum: string;
  /** Time spent copying and verifying. */
  seconds: number;
}

/** The target (or the source) is not one the migration may use; nothing was written. */
export class MigrationRefusedError extends Error {
  override name = 'MigrationRefusedError';
}

/** The copy does not match its source; it was rolled back. */
export class MigrationVerificationError extends Error {
  override name = 'MigrationVerificationError';
}

/** The stored columns of one event, as both stores give them (positions as numbers). */
export interface StoredEventRow {
  position: number;
  streamId: string;
  version: number;
  eventId: string;
  type: string;
  recordedAt: string;
  /** JSON text as stored. */
  data: string;
  /** JSON text as stored. */
  metadata: string;
}

/**
 * A history's checksum: SHA-256 over the SHA-256 of each event's line
 * `position|stream|version|event id|type|recorded at|data|metadata` (UTF-8, JSON as stored
 * text), in position order. Per-event digests let PostgreSQL hash its own rows, so the
 * target's side is computed by the database from what it stored, not from what was sent.
 */
export class EventChecksum {
  private readonly whole: Hash = createHash('sha256');
  count = 0;

  add(row: StoredEventRow): void {
    this.addDigest(
      createHash('sha256').update(eventLine(row), 'utf8').digest(),
    );
  }

  addDigest(digest: Buffer): void {
    this.whole.update(digest);
    this.count++;
  }

  hex(): string {
    return this.whole.digest('hex');
  }
}

function eventLine(row: StoredEventRow): string {
  return [
    row.position,
    row.streamId,
    row.version,
    row.eventId,
    row.type,
    row.recordedAt,
    row.data,
    row.metadata,
  ].join('|');
}

/** The same line and digest, computed by PostgreSQL over its stored row. */
const PG_EVENT_DIGEST = `sha256(convert_to(concat_ws('|', global_position, stream_id,
  stream_version, event_id, type, recorded_at, data::text, metadata::text), 'UTF8'))`;

/** Most rows whose digests one read of the target returns. */
const DIGEST_PAGE = 50_000;

/**
 * Copies the SQLite history at `sourceFile` into the PostgreSQL store of `schema`, which
 * must hold no event (else {@link MigrationRefusedError}, before anything is written), and
 * checks the copy (counts, last position, checksum) before committing it.
 */
export async function migrateSqliteToPostgres(
  options: MigrateStoreOptions,
): Promise<MigrationResult> {
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  const log = options.log ?? (() => undefined);
  const batchSize = options.batchSize ?? 2000;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batch size must be a positive integer: ${batchSize}`);
  const tables = postgresTables(options.schema);
  const source = openSource(options.sourceFile);
  const client = new Client({
    connectionString: options.url,
    connectionTimeoutMillis: 10_000,
    application_name: `stackyard-migrate-store:${options.schema}`,
  });
  // A lost connection also fails the query under way, which is where it is handled.
  client.on('error', () => undefined);
  try {
    // The whole read is one SQLite snapshot: the counts, the rows and the checksum agree.
    source.db.exec('BEGIN');
    const summary = source.summary.get()!;
    const [total, streams, lastPosition] = summary.map(Number) as [
      number,
      number,
      number,
    ];
    await client.connect();
    await refuseNonEmpty(client, tables, false);
    await migrateEventStoreSchema(client, tables);

    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    try {
      // The head row's lock keeps any store appending here waiting until the copy commits
      // (it then continues after the last copied position), and the check is made under it.
      await refuseNonEmpty(client, tables, true);
      log(
        `copying ${total} events of ${streams} streams (positions up to ${lastPosition}) in batches of ${batchSize}`,
      );
      const sourceChecksum = new EventChecksum();
      const every = options.progressEveryMs ?? 1000;
      const copyStarted = elapsed();
      let copied = 0;
      let lastLog = copyStarted;
      let inFlight: { insert: Promise<unknown>; rows: number } | undefined;
      /** Waits for the INSERT under way; progress counts only what PostgreSQL took. */
      const settleInFlight = async (last: boolean) => {
        if (!inFlight) return;
        await inFlight.insert;
        copied += inFlight.rows;
        inFlight = undefined;
        const now = elapsed();
        if (last || now - lastLog >= every) {
          lastLog = now;
          log(progressLine(copied, total, now - copyStarted));
        }
      };
      for (let after = 0; ;) {
        const rows = source.page.all(after, batchSize).map(toStoredRow);
        if (rows.length === 0) break;
        for (const row of rows) sourceChecksum.add(row);
        after = rows[rows.length - 1]!.position;
        // One INSERT in flight while the next page is read and hashed.
        await settleInFlight(false);
        const insert = insertRows(client, tables, rows);
        // Awaited with the next page; until then a failure must not count as unhandled.
        insert.catch(() => undefined);
        inFlight = { insert, rows: rows.length };
      }
      await settleInFlight(true);
      if (copied !== total)
        throw new MigrationVerificationError(
          `read ${copied} events from the source, which counted ${total}`,
        );
      // The store hands out positions from its head row: appends continue at the next one.
      await client.query(
        `WITH moved AS (UPDATE ${tables.head} SET position = $1::bigint)
         SELECT pg_notify($2, $1::text)`,
        [lastPosition, tables.channel],
      );

      const verifyStarted = elapsed();
      log('verifying the copy');
      const checksum = sourceChecksum.hex();
      const targetChecksum = await verifyTarget(client, tables, {
        events: total,
        streams,
        lastPosition,
        checksum,
      });
      await client.query('COMMIT');
      log(
        `verified in ${(elapsed() - verifyStarted).toFixed(2)} s: ${total} events, ${streams} streams, last position ${lastPosition}; sha256 checksum source ${checksum}, target ${targetChecksum}`,
      );
      return {
        events: total,
        streams,
        lastPosition,
        sourceChecksum: checksum,
        targetChecksum,
        seconds: elapsed(),
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    if (source.db.inTransaction) source.db.exec('COMMIT');
    source.db.close();
    await client.end().catch(() => undefined);
  }
}

function progressLine(copied: number, total: number, seconds: number): string {
  const percent = total === 0 ? 100 : Math.floor((copied / total) * 100);
  return `copied ${copied} of ${total} events (${percent}%), ${Math.round(copied / Math.max(seconds, 1e-9))} events/s`;
}

type SqliteRow = [
  position: number,
  streamId: string,
  version: number,
  eventId: string,
  type: string,
  recordedAt: string,
  data: string,
  metadata: string,
];

function toStoredRow(row: SqliteRow): StoredEventRow {
  return {
    position: row[0],
    streamId: row[1],
    version: row[2],
    eventId: row[3],
    type: row[4],
    recordedAt: row[5],
    data: row[6],
    metadata: row[7],
  };
}

interface Source {
  db: Database;
  summary: Statement<[], [number, number, number]>;
  page: Statement<[number, number], SqliteRow>;
}

/** The SQLite file, read-only; refused when missing or when it holds no event table. */
function openSource(file: string): Source {
  if (!existsSync(file))
    throw new MigrationRefusedError(`source event file ${file} does not exist`);
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const table = db
      .prepare(
        `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'`,
      )
      .get();
    if (!table)
      throw new MigrationRefusedError(
        `source ${file} is not a Stackyard event store (it has no events table)`,
      );
    return {
      db,
      summary: db
        .prepare<[], [number, number, number]>(
          `SELECT count(*), count(DISTINCT stream_id), coalesce(max(global_position), 0)
           FROM events`,
        )
        .raw(true),
      page: db
        .prepare<[number, number], SqliteRow>(
          `SELECT global_position, stream_id, stream_version, event_id, type, recorded_at,
                  data, metadata
           FROM events WHERE global_position > ? ORDER BY global_position LIMIT ?`,
        )
        .raw(true),
    };
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Refuses a target store that holds events, or whose head has moved. Before the schema is
 * made (`locked` false) a missing store counts as empty and nothing is locked; inside the
 * copy's transaction (`locked` true) the head row is locked first.
 */
async function refuseNonEmpty(
  client: Client,
  tables: PostgresTables,
  locked: boolean,
): Promise<void> {
  if (!locked) {
    const { rows } = await client.query<{ present: boolean }>(
      `SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL AS present`,
      [tables.events, tables.head],
    );
    if (!rows[0]!.present) return;
  }
  const { rows } = await client.query<{
    head: string | null;
    events: string;
    last: string | null;
  }>(
    `SELECT (SELECT position FROM ${tables.head} ${locked ? 'FOR UPDATE' : ''}) AS head,
            (SELECT count(*) FROM ${tables.events}) AS events,
            (SELECT max(global_position) FROM ${tables.events}) AS last`,
  );
  const { head, events, last } = rows[0]!;
  if (Number(events) > 0 || Number(head ?? 0) !== 0)
    throw new MigrationRefusedError(
      `target schema ${tables.schema} is not empty (${events} events, last position ${last ?? 0}, head ${head ?? 0}); migrate only into an empty schema`,
    );
}

/** One multi-row INSERT of a batch: eight arrays unnested, one round trip. */
function insertRows(
  client: Client,
  tables: PostgresTables,
  rows: readonly StoredEventRow[],
): Promise<unknown> {
  return client.query(
    `INSERT INTO ${tables.events}
       (global_position, stream_id, stream_version, event_id, type, data, metadata, recorded_at)
     SELECT p, s, v, i, t, d::json, m::json, r
     FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::text[], $5::text[],
                 $6::text[], $7::text[], $8::text[]) AS u(p, s, v, i, t, d, m, r)`,
    [
      rows.map((r) => r.position),
      rows.map((r) => r.streamId),
      rows.map((r) => r.version),
      rows.map((r) => r.eventId),
      rows.map((r) => r.type),
      rows.map((r) => r.data),
      rows.map((r) => r.metadata),
      rows.map((r) => r.recordedAt),
    ],
  );
}

/**
 * Checks the target as the open transaction sees it against the source: counts, last
 * position, head and the checksum, the latter from digests PostgreSQL computes over its
 * stored rows.
 */
async function verifyTarget(
  client: Client,
  tables: PostgresTables,
  expected: {
    events: number;
    streams: number;
    lastPosition: number;
    checksum: string;
  },
): Promise<string> {
  const { rows } = await client.query<[string, string, string, string]>({
    text: `SELECT (SELECT count(*) FROM ${tables.events}),
                  (SELECT count(DISTINCT stream_id) FROM ${tables.events}),
                  (SELECT coalesce(max(global_position), 0) FROM ${tables.events}),
                  (SELECT position FROM ${tables.head})`,
    rowMode: 'array',
  });
  const [events, streams, last, head] = rows[0]!.map(Number) as [
    number,
    number,
    number,
    number,
  ];
  const mismatch = (what: string, target: number, source: number) =>
    new MigrationVerificationError(
      `the copy has ${target} ${what}, the source ${source}; nothing was committed`,
    );
  if (events !== expected.events)
    throw mismatch('events', events, expected.events);
  if (streams !== expected.streams)
    throw mismatch('streams', streams, expected.streams);
  if (last !== expected.lastPosition)
    throw mismatch('as last position', last, expected.lastPosition);
  if (head !== expected.lastPosition)
    throw mismatch('as head position', head, expected.lastPosition);
  const target = new EventChecksum();
  for (let after = 0; ;) {
    const page: QueryArrayResult<[string, Buffer]> = await client.query({
      text: `SELECT global_position, ${PG_EVENT_DIGEST} FROM ${tables.events}
             WHERE global_position > $1 ORDER BY global_position LIMIT $2`,
      values: [after, DIGEST_PAGE],
      rowMode: 'array',
    });
    for (const [, digest] of page.rows) target.addDigest(digest);
    if (page.rows.length < DIGEST_PAGE) break;
    after = Number(page.rows[page.rows.length - 1]![0]);
  }
  const checksum = target.hex();
  if (checksum !== expected.checksum)
    throw new MigrationVerificationError(
      `the copy's checksum ${checksum} differs from the source's ${expected.checksum}; nothing was committed`,
    );
  return checksum;
}
