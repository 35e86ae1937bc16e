import type { EventStore, RecordedEvent } from './event-store.port';

/**
 * A stream's state folded from its events and kept per stream, brought up to date by reading
 * only the events after the last one folded: a repo's stream grows with every job, and a
 * request that needs its state should not read all of it. Every read goes to the store, so
 * the state is as fresh as the store (on any instance); only the fold is saved. Keep it to
 * streams that exist (registered repos, say): a stream per key is kept in memory.
 */
export class StreamFoldCache<State> {
  private readonly cache = new Map<string, { version: number; state: State }>();

  constructor(
    private readonly store: EventStore,
    private readonly initial: () => State,
    private readonly fold: (state: State, events: RecordedEvent[]) => State,
  ) {}

  /** The stream's state and its version (-1 for a stream without events). */
  async read(streamId: string): Promise<{ state: State; version: number }> {
    const cached = this.cache.get(streamId) ?? {
      version: -1,
      state: this.initial(),
    };
    const fresh = await this.store.readStream(streamId, {
      fromVersion: cached.version + 1,
    });
    if (fresh.length === 0) return cached;
    const next = {
      version: fresh.at(-1)!.streamVersion,
      state: this.fold(cached.state, fresh),
    };
    this.cache.set(streamId, next);
    return next;
  }
}
