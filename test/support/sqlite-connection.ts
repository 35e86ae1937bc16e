import BetterSqlite3, { type Database } from 'better-sqlite3';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.port';

/**
 * The connection a `SqliteEventStore` writes through. Storage failures are set up on it
 * (`PRAGMA max_page_count` for a full disk, `PRAGMA query_only` for read-only storage):
 * both are settings of one connection, so they must be made on the store's own.
 */
export function connectionOf(store: EventStore): Database {
  const db = (store as unknown as { db?: unknown }).db;
  if (!(db instanceof BetterSqlite3))
    throw new Error('the store is no SqliteEventStore');
  return db;
}
