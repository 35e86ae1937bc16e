import type { RecordedEvent } from '../../../src/infrastructure/event-store/event-store.port';
import {
  type Follower,
  foldThenFollow,
  type FoldThenFollowOptions,
} from '../../../src/infrastructure/event-store/fold-then-follow';
import { InMemoryEventStore } from '../../../src/infrastructure/event-store/in-memory-event-store';

/** Collects what `follow` is handed; `next(n)` resolves once `n` events have come. */
class LiveEvents {
  readonly events: RecordedEvent[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  readonly follow = (batch: readonly RecordedEvent[]): void => {
    this.events.push(...batch);
    const ready = this.waiters.filter((w) => this.events.length >= w.count);
    this.waiters = this.waiters.filter((w) => this.events.length < w.count);
    for (const w of ready) w.resolve();
  };

  reach(count: number): Promise<void> {
    if (this.events.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}

describe('fold the history, then follow', () => {
  let store: InMemoryEventStore;
  const followers: Follower[] = [];
  const logger = { error: jest.fn<void, [string]>() };

  const append = (streamId: string, type: string, n = 0) =>
    store.appendToStream(streamId, [{ type, data: { n } }], {
      expectedVersion: 'any',
    });

  async function start(
    options: Partial<FoldThenFollowOptions> & {
      fold: FoldThenFollowOptions['fold'];
      follow: FoldThenFollowOptions['follow'];
    },
  ): Promise<Follower> {
    const follower = await foldThenFollow(store, {
      filter: { types: ['Wanted'] },
      name: 'test follower',
      logger,
      ...options,
    });
    followers.push(follower);
    return follower;
  }

  beforeEach(() => {
    store = new InMemoryEventStore();
    logger.error.mockReset();
  });

  afterEach(async () => {
    for (const follower of followers.splice(0)) await follower.close();
    await store.close();
  });

  it('given a history longer than a page, when started, then every matching event is folded in order before it resolves', async () => {
    for (let n = 1; n <= 5; n++) await append('s-1', 'Wanted', n);
    await append('s-1', 'Unwanted');
    const folded: object[] = [];
    const live = new LiveEvents();

    const follower = await start({
      pageSize: 2,
      fold: (e) => folded.push(e.data),
      follow: live.follow,
    });

    expect(folded).toEqual([1, 2, 3, 4, 5].map((n) => ({ n })));
    expect(follower.followsFrom).toBe(7);
    expect(live.events).toEqual([]);
  });

  it('given a started follower, when events are appended, then follow gets exactly the new matching ones', async () => {
    await append('s-1', 'Wanted', 1);
    const live = new LiveEvents();
    await start({ fold: () => undefined, follow: live.follow });

    await append('s-1', 'Unwanted');
    await append('s-2', 'Wanted', 2);
    await append('s-1', 'Wanted', 3);
    await live.reach(2);

    expect(live.events.map((e) => e.data)).toEqual([{ n: 2 }, { n: 3 }]);
  });

  it('given events appended while caughtUp runs, when following, then they come live, neither lost nor folded', async () => {
    await append('s-1', 'Wanted', 1);
    const folded: object[] = [];
    const calls: string[] = [];
    const live = new LiveEvents();

    await start({
      fold: (e) => {
        calls.push('fold');
        folded.push(e.data);
      },
      caughtUp: async () => {
        calls.push('caughtUp');
        await append('s-1', 'Wanted', 2);
      },
      follow: (batch) => {
        calls.push('follow');
        live.follow(batch);
      },
    });
    await live.reach(1);

    expect(folded).toEqual([{ n: 1 }]);
    expect(live.events.map((e) => e.data)).toEqual([{ n: 2 }]);
    expect(calls).toEqual(['fold', 'caughtUp', 'follow']);
  });

  it('given an async follow, when batches arrive, then the next batch waits for the one before', async () => {
    const handled: object[] = [];
    let batches = 0;
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const live = new LiveEvents();
    let firstSeen!: () => void;
    const firstArrived = new Promise<void>((resolve) => (firstSeen = resolve));
    await start({
      fold: () => undefined,
      follow: async (batch) => {
        if (++batches === 1) {
          firstSeen();
          await firstHeld;
        }
        handled.push(...batch.map((e) => e.data));
        live.follow(batch);
      },
    });

    await append('s-1', 'Wanted', 1);
    await firstArrived;
    await append('s-1', 'Wanted', 2);
    releaseFirst();
    await live.reach(2);

    expect(handled).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('given a follower, when closed, then it resolves once the live loop has returned and follows nothing more', async () => {
    const live = new LiveEvents();
    const follower = await start({
      fold: () => undefined,
      follow: live.follow,
    });
    await append('s-1', 'Wanted', 1);
    await live.reach(1);

    await follower.close();
    await append('s-1', 'Wanted', 2);

    expect(live.events).toHaveLength(1);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('given a follow that throws, when live, then the loop ends and logs the error under the follower name', async () => {
    const logged = new Promise<void>((resolve) =>
      logger.error.mockImplementation(() => resolve()),
    );
    const follow = jest.fn(() => {
      throw new Error('boom');
    });
    await start({ fold: () => undefined, follow });

    await append('s-1', 'Wanted', 1);
    await logged;

    expect(logger.error).toHaveBeenCalledWith(
      'test follower stopped: Error: boom',
    );
    expect(follow).toHaveBeenCalledTimes(1);
  });

  it('given a follow that fails while the follower closes, when closed, then nothing is logged', async () => {
    let fail!: (error: Error) => void;
    let arrived!: () => void;
    const inFollow = new Promise<void>((resolve) => (arrived = resolve));
    const follower = await start({
      fold: () => undefined,
      follow: () => {
        arrived();
        return new Promise<void>((_, reject) => (fail = reject));
      },
    });
    await append('s-1', 'Wanted', 1);
    await inFollow;

    const closed = follower.close();
    fail(new Error('store closed under it'));
    await closed;

    expect(logger.error).not.toHaveBeenCalled();
  });

  it('given a fold that throws, when started, then start rejects and nothing is followed', async () => {
    await append('s-1', 'Wanted', 1);
    const follow = jest.fn();

    await expect(
      foldThenFollow(store, {
        filter: { types: ['Wanted'] },
        fold: () => {
          throw new Error('bad history');
        },
        follow,
        name: 'test follower',
        logger,
      }),
    ).rejects.toThrow('bad history');
    await append('s-1', 'Wanted', 2);
    expect(follow).not.toHaveBeenCalled();
  });
});
