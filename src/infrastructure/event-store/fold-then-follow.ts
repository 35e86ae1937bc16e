import type {
  EventFilter,
  EventStore,
  RecordedEvent,
} from './event-store.port';

/** How a follower builds its state from the store and keeps it current. */
export interface FoldThenFollowOptions {
  /** The events the follower cares about, in the history and live. */
  filter: EventFilter;
  /** Each event of the history, in global order, before anything live. */
  fold(event: RecordedEvent): void;
  /**
   * Runs once the whole history is folded, before the first live batch: where a follower
   * acts on what the history left open. Awaited.
   */
  caughtUp?(): void | Promise<void>;
  /** Each batch appended after the history, in global order; the next waits for it. */
  follow(batch: readonly RecordedEvent[]): void | Promise<void>;
  /** Names the follower in the log line of a live loop that ended with an error. */
  name: string;
  logger: { error(message: string): void };
  /** Events per history read; default 5000. */
  pageSize?: number;
}

/** A follower started by `foldThenFollow`. */
export interface Follower {
  /** The first global position handed to `follow` (the history ends just before it). */
  readonly followsFrom: number;
  /** Ends the subscription and settles once the live loop has returned. */
  close(): Promise<void>;
}

/**
 * Folds every page of the store's history matching `filter` from position 1, then follows
 * from the position reached: the subscription is a catch-up one, so events appended while
 * the history was read (or while `caughtUp` ran) come live, none lost and none twice.
 * Resolves once the live loop runs; rejects if the history cannot be read or folded.
 * An error of the live loop ends it, and is logged unless the follower is closing.
 */
export async function foldThenFollow(
  store: EventStore,
  options: FoldThenFollowOptions,
): Promise<Follower> {
  const { filter } = options;
  let from = 1;
  for (;;) {
    const page = await store.readAll({
      fromPosition: from,
      limit: options.pageSize ?? 5000,
      filter,
    });
    for (const event of page.events) options.fold(event);
    from = page.nextPosition;
    if (page.isEnd) break;
  }
  await options.caughtUp?.();
  const subscription = store.subscribe({ fromPosition: from, filter });
  let closing = false;
  const loop = (async () => {
    try {
      for await (const batch of subscription) await options.follow(batch);
    } catch (error) {
      if (!closing)
        options.logger.error(`${options.name} stopped: ${String(error)}`);
    }
  })();
  return {
    followsFrom: from,
    async close() {
      closing = true;
      subscription.close();
      await loop;
    },
  };
}
