import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store';
import { filesBytes } from './soak-proc';

const EVENTS_PER_APPEND = 500;
const PAD = 'x'.repeat(1024);

/**
 * Fills a new event store file with about `mib` MiB of inert events (type `SoakBallast`,
 * streams `soak-ballast-<n>`, no org or repo in their metadata), before the service opens it.
 * No read model, job or SSE client takes them, but the service reads the whole store once at
 * start-up, which fills SQLite's page cache: memory the service then holds from the start, so
 * that what RSS gains under load is not that cache filling up. Returns the file's size.
 */
export async function fillBallast(file: string, mib: number): Promise<number> {
  mkdirSync(dirname(file), { recursive: true });
  const target = mib * 2 ** 20;
  const store = SqliteEventStore.open(file);
  const size = () => filesBytes(dirname(file), 'events.sqlite');
  try {
    for (let n = 0; size() < target; n++)
      await store.appendToStream(
        `soak-ballast-${n}`,
        Array.from({ length: EVENTS_PER_APPEND }, (_, i) => ({
          type: 'SoakBallast',
          data: { n, i, pad: PAD },
        })),
        { expectedVersion: 'no_stream' },
      );
  } finally {
    await store.close();
  }
  return size();
}
