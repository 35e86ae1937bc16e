import type { FollowerCheckpoints } from '../checkpoints/follower-checkpoints.port';
import type {
  EventFilter,
  EventStore,
  RecordedEvent,
} from './event-store.port';

/**
 * A follower whose state is checkpointed: it starts from its last checkpoint and folds only
 * the events after it, so its start costs what happened since, not the whole history.
 */
export interface CheckpointOptions<State> {
  checkpoints: FollowerCheckpoints;
  /** Names the follower's checkpoint. */
  name: string;
  /** The format of `snapshot`'s state; bump it when that changes (older ones are ignored). */
  version: number;
  /**
   * The follower's state as plain JSON: a function of the events folded so far and of
   * nothing else (not of what the follower did about them), so that restoring it and folding
   * the events after it gives the state folding everything would. Called right after a
   * whole batch is folded (and followed), never in the middle of one.
   */
  snapshot(): State;
  /**
   * Takes a checkpoint's state back, before any event after `position` is folded. Awaited:
   * it may read the store (the streams of the few jobs the state names, say).
   */
  restore(state: State, position: number): void | Promise<void>;
  /** A checkpoint is saved once this many events were folded since the last; default 1000. */
  everyEvents?: number;
  /** … or once this long has passed since the last with any event folded; default 5000 ms. */
  everyMs?: number;
  logger?: { warn(message: string): void };
}

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
  /** Start from (and keep) a checkpoint instead of the first event. */
  // Each follower's state type is its own; the checkpoint store holds plain JSON.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  checkpoint?: CheckpointOptions<any>;
}

/** A follower started by `foldThenFollow`. */
export interface Follower {
  /** The first global position handed to `follow` (the history ends just before it). */
  readonly followsFrom: number;
  /** Where the history read began: 1, or just after the checkpoint restored. */
  readonly foldedFrom: number;
  /** Events handed to `fold` at start (the history after the checkpoint, if one). */
  readonly folded: number;
  /** Ends the subscription and settles once the live loop has returned. */
  close(): Promise<void>;
}

/**
 * Folds every page of the store's history matching `filter` from position 1 (or, with a
 * usable checkpoint, from just after it, its state restored first), then follows from the
 * position reached: the subscription is a catch-up one, so events appended while the
 * history was read (or while `caughtUp` ran) come live, none lost and none twice.
 * Resolves once the live loop runs; rejects if the history cannot be read or folded.
 * An error of the live loop ends it, and is logged unless the follower is closing.
 *
 * With `checkpoint`, a checkpoint is saved after the start's fold when it folded any
 * event, then while following every `everyEvents` events or `everyMs` (whichever comes
 * first, checked after each batch), and once more on `close`. Saves never hold the loop up
 * and never fail it: a checkpoint not saved only makes the next start read a little more.
 */
export async function foldThenFollow(
  store: EventStore,
  options: FoldThenFollowOptions,
): Promise<Follower> {
  const { filter } = options;
  const keeper = options.checkpoint
    ? new CheckpointKeeper(store, options.checkpoint)
    : undefined;
  let from = (await keeper?.restore()) ?? 1;
  const foldedFrom = from;
  let folded = 0;
  for (;;) {
    const page = await store.readAll({
      fromPosition: from,
      limit: options.pageSize ?? 5000,
      filter,
    });
    for (const event of page.events) options.fold(event);
    folded += page.events.length;
    keeper?.folded(page.events);
    from = page.nextPosition;
    if (page.isEnd) break;
  }
  // The state as the history left it, before `caughtUp` acts on it.
  keeper?.due(true);
  await options.caughtUp?.();
  const subscription = store.subscribe({ fromPosition: from, filter });
  let closing = false;
  const loop = (async () => {
    try {
      for await (const batch of subscription) {
        await options.follow(batch);
        keeper?.folded(batch);
        keeper?.due(false);
      }
    } catch (error) {
      if (!closing)
        options.logger.error(`${options.name} stopped: ${String(error)}`);
    }
  })();
  return {
    followsFrom: from,
    foldedFrom,
    folded,
    async close() {
      closing = true;
      subscription.close();
      await loop;
      // Everything handed to `follow` has been folded: the state stands at the last event.
      await keeper?.settled();
      keeper?.due(true);
      await keeper?.settled();
    },
  };
}

/** Restores a follower's checkpoint and saves new ones (see `foldThenFollow`). */
class CheckpointKeeper {
  /** The last event folded, and the number folded since the last save. */
  private last: { position: number; eventId: string } | undefined;
  private unsaved = 0;
  private savedAt = Date.now();
  private saving: Promise<void> | undefined;
  private readonly key: string;

  constructor(
    private readonly store: EventStore,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    private readonly options: CheckpointOptions<any>,
  ) {
    // One row per format: two builds side by side (a rolling upgrade) keep one each.
    this.key = `${options.name}@${options.version}`;
  }

  /**
   * Restores the stored checkpoint if it is this store's (the event at its position is the
   * one it names) and returns the position to read from; undefined to read everything.
   */
  async restore(): Promise<number | undefined> {
    let stored;
    try {
      stored = await this.options.checkpoints.load(this.key);
    } catch (error) {
      this.options.logger?.warn(
        `${this.options.name}: checkpoint not read (${String(error)}); folding the whole history`,
      );
      return undefined;
    }
    if (!stored || stored.version !== this.options.version) return undefined;
    const at = await this.store.readAll({
      fromPosition: stored.position,
      limit: 1,
    });
    const event = at.events[0];
    if (
      event?.globalPosition !== stored.position ||
      event.eventId !== stored.eventId
    ) {
      this.options.logger?.warn(
        `${this.options.name}: checkpoint at ${stored.position} is not of this event store; folding the whole history`,
      );
      return undefined;
    }
    await this.options.restore(stored.state, stored.position);
    this.last = { position: stored.position, eventId: stored.eventId };
    return stored.position + 1;
  }

  folded(events: readonly RecordedEvent[]): void {
    const last = events.at(-1);
    if (!last) return;
    this.last = { position: last.globalPosition, eventId: last.eventId };
    this.unsaved += events.length;
  }

  /** Saves now if `force` or the interval has come, and anything was folded since. */
  due(force: boolean): void {
    if (this.unsaved === 0 || !this.last || this.saving) return;
    const now = Date.now();
    if (
      !force &&
      this.unsaved < (this.options.everyEvents ?? 1000) &&
      now - this.savedAt < (this.options.everyMs ?? 5000)
    )
      return;
    // Taken now, between batches: the state stands exactly at `last`.
    const checkpoint = {
      ...this.last,
      version: this.options.version,
      state: this.options.snapshot() as unknown,
    };
    this.unsaved = 0;
    this.savedAt = now;
    this.saving = this.options.checkpoints
      .save(this.key, checkpoint)
      .catch((error: unknown) =>
        this.options.logger?.warn(
          `${this.options.name}: checkpoint not saved (${String(error)})`,
        ),
      )
      .finally(() => {
        this.saving = undefined;
      });
  }

  async settled(): Promise<void> {
    await this.saving;
  }
}
