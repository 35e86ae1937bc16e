import type { Clock } from '../../src/infrastructure/clock/clock';
import type {
  EventStore,
  RecordedEvent,
} from '../../src/infrastructure/event-store/event-store.port';
import { InMemoryEventStore } from '../../src/infrastructure/event-store/in-memory-event-store';
import { toErrorResponse } from '../../src/infrastructure/http/http-error.filter';
import { RepoDirectory } from '../../src/infrastructure/repo-directory/repo-directory';

/** The time the handlers' clock says; requests carry it in their events' metadata. */
export const NOW = '2026-03-01T12:00:00.000Z';
/** The time the store commits at: not the clock's, so that the two cannot be confused. */
const STORE_TIME = '2030-01-01T00:00:00.000Z';

/** What a command handler runs on in a unit test: the in-memory store, a fixed clock, repos. */
export interface CommandFixture {
  store: InMemoryEventStore;
  clock: Clock;
  repos: RepoDirectory;
}

export function aCommandFixture(): CommandFixture {
  const store = new InMemoryEventStore({ now: () => new Date(STORE_TIME) });
  return {
    store,
    clock: { now: () => new Date(NOW) },
    repos: new RepoDirectory(store),
  };
}

/** The HTTP status and error code the API answers for the error `promise` rejects with. */
export async function answerTo(
  promise: Promise<unknown>,
): Promise<{ status: number; code: string }> {
  try {
    await promise;
  } catch (error) {
    const { status, body } = toErrorResponse(error);
    return { status, code: body.error.code };
  }
  throw new Error('expected the command to be refused, but it was accepted');
}

/** Every event of the streams whose names start with `prefix`, in global order. */
export async function eventsOfStreams(
  store: EventStore,
  prefix: string,
): Promise<RecordedEvent[]> {
  const { events } = await store.readAll({ filter: { streamPrefix: prefix } });
  return events;
}
