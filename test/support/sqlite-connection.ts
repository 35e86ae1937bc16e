import type { EventStore } from '../../src/infrastructure/event-store/event-store.port';
import { SqliteWriter } from '../../src/infrastructure/event-store/sqlite-writer';

/**
 * Runs `PRAGMA source` on the connection a `SqliteEventStore` writes through (its writer
 * thread's) and answers the value. Storage failures are set up there (`max_page_count` for
 * a full disk, `query_only` for read-only storage): both are settings of one connection, so
 * they must be made on the one that writes.
 */
export async function writerPragma(
  store: EventStore,
  source: string,
): Promise<unknown> {
  const writer = (store as unknown as { writer?: unknown }).writer;
  if (!(writer instanceof SqliteWriter))
    throw new Error('the store is no SqliteEventStore');
  const reply = await writer.pragma(source);
  if ('failure' in reply) throw new Error(reply.failure.message);
  return reply.ok;
}
