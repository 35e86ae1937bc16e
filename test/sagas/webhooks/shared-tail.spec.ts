import { InMemoryEventStore } from '../../../src/infrastructure/event-store/in-memory-event-store';
import type {
  EventSubscription,
  RecordedEvent,
} from '../../../src/infrastructure/event-store/event-store.port';
import { SharedTail } from '../../../src/sagas/webhooks/shared-tail';

let streams = 0;

async function append(
  store: InMemoryEventStore,
  count: number,
): Promise<RecordedEvent[]> {
  const recorded: RecordedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const { events } = await store.appendToStream(
      `repo-${streams++}`,
      [{ type: 'RepoRegistered', data: { i }, metadata: { orgId: 'org-1' } }],
      { expectedVersion: 'no_stream' },
    );
    recorded.push(...events);
  }
  return recorded;
}

/** Collects a subscription's events until `count` have come. */
async function take(
  subscription: EventSubscription,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  for await (const batch of subscription) {
    ids.push(...batch.map((e) => e.eventId));
    if (ids.length >= count) break;
  }
  subscription.close();
  return ids;
}

describe('the shared tail of the store', () => {
  let store: InMemoryEventStore;
  let tail: SharedTail;

  beforeEach(() => {
    store = new InMemoryEventStore();
    tail = new SharedTail(store, {
      keep: 5,
      retryMs: 10,
      logger: { warn: () => undefined },
    });
  });

  afterEach(async () => {
    await tail.close();
    await store.close();
  });

  it('gives every consumer at the head each new event, in order, from one read of the store per commit', async () => {
    const before = await append(store, 3);
    await tail.start();
    const head = before.at(-1)!.globalPosition;
    const consumers = Array.from({ length: 10 }, () =>
      take(tail.subscribe({ fromPosition: head + 1, batchSize: 2 }), 4),
    );
    const storeReads = jest.spyOn(store, 'readAll');
    const added = await append(store, 4);
    for (const ids of await Promise.all(consumers))
      expect(ids).toEqual(added.map((e) => e.eventId));
    // Only the tail's own subscription read the store (once per commit at most), not the ten.
    expect(storeReads.mock.calls.length).toBeLessThanOrEqual(4 + 1);
    expect(tail.served.window).toBeGreaterThanOrEqual(10);
  });

  it('lets a consumer further back read the store itself until it reaches the newest events, with no gap and no repeat', async () => {
    await tail.start();
    const old = await append(store, 12);
    // Only the newest five are kept: a consumer from the first reads the store for the rest.
    const all = [...old, ...(await append(store, 3))];
    const ids = await take(
      tail.subscribe({ fromPosition: old[0]!.globalPosition, batchSize: 4 }),
      all.length,
    );
    expect(ids).toEqual(all.map((e) => e.eventId));
    expect(tail.served.store).toBeGreaterThan(0);
  });

  it('answers pages as the store does: a full page is no end, a short one is', async () => {
    await tail.start();
    const events = await append(store, 4);
    await take(tail.subscribe({ fromPosition: events[3]!.globalPosition }), 1);
    const from = events[0]!.globalPosition;
    expect(await tail.readAll({ fromPosition: from, limit: 2 })).toEqual(
      await store.readAll({ fromPosition: from, limit: 2 }),
    );
    expect(await tail.readAll({ fromPosition: from, limit: 10 })).toEqual(
      await store.readAll({ fromPosition: from, limit: 10 }),
    );
  });
});
