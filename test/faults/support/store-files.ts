import BetterSqlite3 from 'better-sqlite3';

/** One row of the event store, read from its file. */
export interface StoredEvent {
  position: number;
  streamId: string;
  version: number;
  eventId: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, string | undefined>;
}

/** Opens a SQLite file read-only for one look, and closes it again. */
function withFile<T>(file: string, read: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** Every event in the store file, in global order. */
export function readEvents(file: string): StoredEvent[] {
  return withFile(file, (db) =>
    db
      .prepare<
        [],
        {
          global_position: number;
          stream_id: string;
          stream_version: number;
          event_id: string;
          type: string;
          data: string;
          metadata: string;
        }
      >(
        'SELECT global_position, stream_id, stream_version, event_id, type, data, metadata FROM events ORDER BY global_position',
      )
      .all()
      .map((r) => ({
        position: r.global_position,
        streamId: r.stream_id,
        version: r.stream_version,
        eventId: r.event_id,
        type: r.type,
        data: JSON.parse(r.data) as StoredEvent['data'],
        metadata: JSON.parse(r.metadata) as StoredEvent['metadata'],
      })),
  );
}

/** `PRAGMA integrity_check`: `ok`, or SQLite's list of problems. */
export function integrityOf(file: string): string {
  return withFile(file, (db) =>
    (db.prepare('PRAGMA integrity_check').pluck().all() as string[]).join('\n'),
  );
}

/** Every row of a table, with the columns named, ordered by `orderBy`. */
export function rowsOf(
  file: string,
  table: string,
  orderBy: string,
): Record<string, unknown>[] {
  return withFile(file, (db) =>
    db
      .prepare<[], Record<string, unknown>>(
        `SELECT * FROM "${table}" ORDER BY "${orderBy}"`,
      )
      .all(),
  );
}
