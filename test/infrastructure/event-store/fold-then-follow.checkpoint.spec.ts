import { InMemoryFollowerCheckpoints } from '../../../src/infrastructure/checkpoints/follower-checkpoints.port';
import type {
  EventStore,
  RecordedEvent,
} from '../../../src/infrastructure/event-store/event-store.port';
import {
  type CheckpointOptions,
  type Follower,
  foldThenFollow,
} from '../../../src/infrastructure/event-store/fold-then-follow';
import { InMemoryEventStore } from '../../../src/infrastructure/event-store/in-memory-event-store';

/** A follower counting the `Wanted` events it has seen; its state is that count. */
class Counter {
  count = 0;
  readonly seen: number[] = [];
  private waiters: Array<{ position: number; resolve: () => void }> = [];

  readonly fold = (event: RecordedEvent): void => {
    this.count++;
    this.seen.push(event.globalPosition);
  };

  readonly follow = (batch: readonly RecordedEvent[]): void => {
    batch.forEach(this.fold);
    const last = batch.at(-1)!.globalPosition;
    const ready = this.waiters.filter((w) => w.position <= last);
    this.waiters = this.waiters.filter((w) => w.position > last);
    for (const w of ready) w.resolve();
  };

  /** Resolves once an event at `position` or later has been followed. */
  followed(position: number): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }
}

describe('fold the history, then follow, from a checkpoint', () => {
  let store: InMemoryEventStore;
  let checkpoints: InMemoryFollowerCheckpoints;
  const followers: Follower[] = [];
  const logger = { error: jest.fn<void, [string]>(), warn: jest.fn() };

  const append = (streamId: string, type: string) =>
    store.appendToStream(streamId, [{ type, data: {} }], {
      expectedVersion: 'any',
    });

  async function start(
    counter: Counter,
    options: Partial<CheckpointOptions<{ count: number }>> = {},
    on: EventStore = store,
  ): Promise<Follower> {
    const follower = await foldThenFollow(on, {
      filter: { types: ['Wanted'] },
      name: 'counter',
      logger,
      fold: counter.fold,
      follow: counter.follow,
      checkpoint: {
        checkpoints,
        name: 'counter',
        version: 1,
        logger,
        snapshot: () => ({ count: counter.count }),
        restore: (state: { count: number }) => {
          counter.count = state.count;
        },
        ...options,
      },
    });
    followers.push(follower);
    return follower;
  }

  beforeEach(() => {
    store = new InMemoryEventStore();
    checkpoints = new InMemoryFollowerCheckpoints();
    logger.warn.mockReset();
  });

  afterEach(async () => {
    for (const follower of followers.splice(0)) await follower.close();
    await store.close();
  });

  it('given no checkpoint, when started, then it folds the whole history and saves where the history read ended, past the last wanted event', async () => {
    await append('a', 'Wanted');
    await append('a', 'Other');
    await append('a', 'Other');

    const counter = new Counter();
    const follower = await start(counter);
    await follower.close();

    expect(follower.foldedFrom).toBe(1);
    expect(follower.folded).toBe(1);
    const saved = await checkpoints.load('counter@1');
    // Position 3, not 1: a later start need not look at the two others again.
    expect(saved).toMatchObject({
      position: 3,
      version: 1,
      state: { count: 1 },
    });
    const [third] = (await store.readAll({ fromPosition: 3, limit: 1 })).events;
    expect(saved?.eventId).toBe(third!.eventId);
  });

  it('given a checkpoint, when started again, then it restores its state and folds only the events after it', async () => {
    for (let i = 0; i < 50; i++) await append('a', 'Wanted');
    await (await start(new Counter())).close();
    await append('b', 'Wanted');
    await append('b', 'Wanted');

    const counter = new Counter();
    const follower = await start(counter);

    expect(follower.foldedFrom).toBe(51);
    expect(counter.seen).toEqual([51, 52]);
    expect(counter.count).toBe(52);
  });

  it('given a checkpoint naming another event at its position (another store), when started, then it is ignored and the whole history folded', async () => {
    await append('a', 'Wanted');
    await append('a', 'Wanted');
    await checkpoints.save('counter@1', {
      position: 2,
      eventId: 'not-this-store',
      version: 1,
      state: { count: 1000 },
    });

    const counter = new Counter();
    const follower = await start(counter);

    expect(follower.foldedFrom).toBe(1);
    expect(counter.count).toBe(2);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('not of this event store'),
    );
  });

  it('given a checkpoint beyond the head, when started, then it is ignored', async () => {
    await append('a', 'Wanted');
    await checkpoints.save('counter@1', {
      position: 9,
      eventId: 'gone',
      version: 1,
      state: { count: 1000 },
    });

    const counter = new Counter();
    await start(counter);

    expect(counter.count).toBe(1);
  });

  it('given a checkpoint of another format, when started, then it is not used', async () => {
    await append('a', 'Wanted');
    await (await start(new Counter())).close();

    const counter = new Counter();
    const follower = await start(counter, { version: 2 });

    expect(follower.foldedFrom).toBe(1);
    expect(counter.count).toBe(1);
  });

  it('given events followed live, when as many as everyEvents have come, then a checkpoint is saved at the last one, and close saves the rest', async () => {
    const counter = new Counter();
    const follower = await start(counter, {
      everyEvents: 3,
      minIntervalMs: 0,
      everyMs: 1e9,
    });
    const before = checkpoints.saves;

    const third = counter.followed(3);
    for (let i = 0; i < 3; i++) await append('a', 'Wanted');
    await third;
    await append('a', 'Wanted');
    await counter.followed(4);
    // The save of the first three may still be under way; close waits for it and saves the fourth.
    await follower.close();

    expect(checkpoints.saves).toBeGreaterThan(before);
    expect(await checkpoints.load('counter@1')).toMatchObject({
      position: 4,
      state: { count: 4 },
    });
  });

  it('given events coming fast, then a checkpoint is saved no sooner than minIntervalMs after the last, however many came', async () => {
    const counter2 = new Counter();
    // Its start saves a checkpoint once the history is folded: the interval runs from there.
    const again = await start(counter2, {
      everyEvents: 1,
      minIntervalMs: 1e9,
      everyMs: 1e9,
    });
    const before = checkpoints.saves;

    for (let i = 0; i < 5; i++) await append('a', 'Wanted');
    await counter2.followed(5);

    expect(checkpoints.saves).toBe(before);
    await again.close();
    expect(checkpoints.saves).toBe(before + 1);
    expect(await checkpoints.load('counter@1')).toMatchObject({
      position: 5,
      state: { count: 5 },
    });
  });

  it('given only other events appended after the last wanted one, when it closes, then the checkpoint moves past them', async () => {
    await append('a', 'Wanted');
    const counter = new Counter();
    const follower = await start(counter);
    for (let i = 0; i < 5; i++) await append('a', 'Other');

    await follower.close();

    expect(await checkpoints.load('counter@1')).toMatchObject({
      position: 6,
      state: { count: 1 },
    });
  });

  it('given a wanted event appended while a save looks ahead, then the checkpoint stops before it and the state does not count it', async () => {
    await append('a', 'Wanted');
    await append('a', 'Other');
    let armed = false;
    // The save's look-ahead (a filtered read of one event) meets an event appended just now.
    const racing: EventStore = Object.assign(Object.create(store) as object, {
      readAll: async (options: Parameters<EventStore['readAll']>[0]) => {
        if (armed && options?.filter && options.limit === 1) {
          armed = false;
          await append('a', 'Wanted');
        }
        return store.readAll(options);
      },
    }) as EventStore;
    const counter = new Counter();
    const follower = await start(counter, {}, racing);
    await append('a', 'Other');
    armed = true;

    await follower.close();

    expect(armed).toBe(false);
    expect(await checkpoints.load('counter@1')).toMatchObject({
      position: 3,
      state: { count: 1 },
    });
  });
});
