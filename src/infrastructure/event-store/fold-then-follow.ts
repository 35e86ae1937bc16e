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
  /**
   * … but not sooner than this after the last save; default 1000 ms. A save costs what the
   * state holds (a backlog of queued jobs, say) and runs on the event loop: under a high
   * event rate, `everyEvents` alone would make it a cost per request.
   */
  minIntervalMs?: number;
  /** … or once this long has passed since the last with any event folded; default 5000 ms. */
  everyMs?: number;
  /**
   * … and once this long has passed in any case, so that the position moves on while no
   * event of the follower's comes; default 60000 ms.
   */
  idleMs?: number;
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
 * With `checkpoint`, a checkpoint is saved after the start's fold, then while following
 * every `everyEvents` events or `everyMs` with any event folded (whichever comes first),
 * every `idleMs` in any case, and once more on `close`. Saves never hold the loop up and
 * never fail it: a checkpoint not saved only makes the next start read a little more.
 */
export async function foldThenFollow(
  store: EventStore,
  options: FoldThenFollowOptions,
): Promise<Follower> {
  const { filter } = options;
  const keeper = options.checkpoint
    ? new CheckpointKeeper(store, filter, options.checkpoint)
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
  // Every position before `from` has been looked at: the state stands there, before
  // `caughtUp` acts on it.
  keeper?.lookedAt(from - 1);
  keeper?.due(true);
  await options.caughtUp?.();
  const subscription = store.subscribe({ fromPosition: from, filter });
  let closing = false;
  const loop = (async () => {
    try {
      for await (const batch of subscription) {
        keeper?.busy(true);
        await options.follow(batch);
        keeper?.folded(batch);
        keeper?.busy(false);
        keeper?.due(false);
      }
    } catch (error) {
      if (!closing)
        options.logger.error(`${options.name} stopped: ${String(error)}`);
    }
  })();
  keeper?.startTimer();
  return {
    followsFrom: from,
    foldedFrom,
    folded,
    async close() {
      closing = true;
      keeper?.stopTimer();
      subscription.close();
      await loop;
      // Everything handed to `follow` has been folded (unless a batch failed midway: then
      // the keeper stays busy and saves nothing), so the state stands at the last event.
      await keeper?.settled();
      keeper?.due(true);
      await keeper?.settled();
    },
  };
}

/**
 * Restores a follower's checkpoint and saves new ones (see `foldThenFollow`).
 *
 * A checkpoint's position is the furthest position up to which the follower has folded
 * every matching event, not merely its last matching event: a follower of rare events (the
 * repo directory reads registrations only) would otherwise keep an old position, and its
 * next start would scan every event since for the few it wants. So the keeper knows a
 * `quiet` position (no matching event after the last folded one up to it): at start, where
 * the history read ended; live, found before each save by a filtered read of one event
 * from the last quiet position on, which looks only at events appended since.
 */
class CheckpointKeeper {
  /** Positions up to here hold no matching event that is not folded. */
  private quiet = 0;
  /** Events folded since the last save. */
  private unsaved = 0;
  private savedAt = Date.now();
  private savedPosition = 0;
  private saving: Promise<void> | undefined;
  private inBatch = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly key: string;

  constructor(
    private readonly store: EventStore,
    private readonly filter: EventFilter,
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
    if ((await this.eventIdAt(stored.position)) !== stored.eventId) {
      this.options.logger?.warn(
        `${this.options.name}: checkpoint at ${stored.position} is not of this event store; folding the whole history`,
      );
      return undefined;
    }
    await this.options.restore(stored.state, stored.position);
    this.quiet = stored.position;
    this.savedPosition = stored.position;
    return stored.position + 1;
  }

  folded(events: readonly RecordedEvent[]): void {
    const last = events.at(-1);
    if (!last) return;
    this.quiet = Math.max(this.quiet, last.globalPosition);
    this.unsaved += events.length;
  }

  /** Every position up to `position` has been read: nothing there is left to fold. */
  lookedAt(position: number): void {
    this.quiet = Math.max(this.quiet, position);
  }

  /** Whether the follower is in the middle of a batch (its state is not whole then). */
  busy(busy: boolean): void {
    this.inBatch = busy;
  }

  startTimer(): void {
    const everyMs = this.options.everyMs ?? 5000;
    this.timer = setInterval(() => this.due(false), everyMs);
    this.timer.unref();
  }

  stopTimer(): void {
    clearInterval(this.timer);
  }

  /** Saves now if `force` or its time has come (and no save or batch is under way). */
  due(force: boolean): void {
    if (this.saving || this.inBatch) return;
    const elapsed = Date.now() - this.savedAt;
    const due =
      force ||
      (this.unsaved >= (this.options.everyEvents ?? 1000) &&
        elapsed >= (this.options.minIntervalMs ?? 1000)) ||
      (this.unsaved > 0 && elapsed >= (this.options.everyMs ?? 5000)) ||
      elapsed >= (this.options.idleMs ?? 60_000);
    if (!due) return;
    // Taken now, between batches: the state stands exactly at `quiet`.
    const state = this.options.snapshot() as unknown;
    const changed = this.unsaved > 0;
    this.unsaved = 0;
    this.savedAt = Date.now();
    this.saving = this.write(state, this.quiet, changed)
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

  private async write(
    state: unknown,
    quiet: number,
    changed: boolean,
  ): Promise<void> {
    // How far no matching event follows: the state at `quiet` is the state there too.
    const next = await this.store.readAll({
      fromPosition: quiet + 1,
      limit: 1,
      filter: this.filter,
    });
    const first = next.events[0];
    const position = first ? first.globalPosition - 1 : next.nextPosition - 1;
    this.quiet = Math.max(this.quiet, position);
    if (position <= 0 || (!changed && position <= this.savedPosition)) return;
    const eventId = await this.eventIdAt(position);
    if (eventId === undefined) return;
    await this.options.checkpoints.save(this.key, {
      position,
      eventId,
      version: this.options.version,
      state,
    });
    this.savedPosition = Math.max(this.savedPosition, position);
  }

  private async eventIdAt(position: number): Promise<string | undefined> {
    const at = await this.store.readAll({ fromPosition: position, limit: 1 });
    const event = at.events[0];
    return event?.globalPosition === position ? event.eventId : undefined;
  }
}
