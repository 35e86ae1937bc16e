import type { Database } from 'better-sqlite3';

/**
 * The store's schema, versioned with `PRAGMA user_version`. Events are never deleted, so
 * the rowid (`global_position`) grows monotonically without AUTOINCREMENT's extra write.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE events (
     global_position INTEGER PRIMARY KEY,
     stream_id       TEXT    NOT NULL,
     stream_version  INTEGER NOT NULL,
     event_id        TEXT    NOT NULL,
     type            TEXT    NOT NULL,
     data            TEXT    NOT NULL,
     metadata        TEXT    NOT NULL,
     recorded_at     TEXT    NOT NULL
   );
   CREATE UNIQUE INDEX events_stream ON events (stream_id, stream_version);
   CREATE UNIQUE INDEX events_event_id ON events (event_id);`,
  // Written and emptied in one transaction by the store's write probe, never read.
  `CREATE TABLE write_probe (pad BLOB NOT NULL);`,
];

export function migrateEventStoreSchema(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `event store schema version ${current} is newer than this build knows (${MIGRATIONS.length})`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
