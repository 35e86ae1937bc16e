import type {
  EventFilter,
  ReadAllPage,
  RecordedEvent,
} from './event-store.port';

/** Events kept: a few seconds of a busy store, a few megabytes. */
export const RECENT_EVENTS = 4096;

/**
 * The store's newest events as its followers read them back, kept in memory by the one
 * process that writes them: every follower (projections, job runner, task saga, repo
 * directory, SSE) reads each commit at the head, and would otherwise read it from the file
 * and parse it again, once each. The events are the ones committed, in order and without a
 * gap, parsed from the JSON that was stored (as a read would give them) and frozen, since
 * every reader gets the same objects. A read it cannot answer whole (older than what it
 * holds, or past a head it does not know) goes to the file.
 */
export class RecentEvents {
  private events: RecordedEvent[] = [];

  constructor(private readonly capacity = RECENT_EVENTS) {}

  /** Adds committed events, in commit order; a gap (or a rewind) starts afresh from them. */
  add(committed: readonly RecordedEvent[]): void {
    if (committed.length === 0 || this.capacity === 0) return;
    const last = this.events.at(-1);
    if (last && committed[0]!.globalPosition !== last.globalPosition + 1)
      this.events = [];
    for (const event of committed) this.events.push(deepFreeze(event));
    // Trimmed in steps, so that the cost of the copy is spread over many commits.
    if (this.events.length > 2 * this.capacity)
      this.events = this.events.slice(-this.capacity);
  }

  /** Forgets everything, e.g. once the file may hold what was not added here. */
  clear(): void {
    this.events = [];
  }

  /**
   * The page `readAll` would give from `from` when everything from there up to `head` is
   * held, else undefined.
   */
  page(
    from: number,
    limit: number,
    filter: EventFilter | undefined,
    head: number,
  ): ReadAllPage | undefined {
    const first = this.events[0];
    const last = this.events.at(-1);
    if (!first || !last || last.globalPosition !== head) return undefined;
    if (from < first.globalPosition || from > head + 1) return undefined;
    const start = from - first.globalPosition;
    if (!filter || (!filter.types && filter.streamPrefix === undefined)) {
      const events = this.events.slice(start, start + limit);
      const full = events.length >= limit;
      return {
        events,
        nextPosition: full ? events.at(-1)!.globalPosition + 1 : head + 1,
        isEnd: !full,
      };
    }
    const types = filter.types ? new Set(filter.types) : undefined;
    const prefix = filter.streamPrefix;
    const events: RecordedEvent[] = [];
    for (let i = start; i < this.events.length && events.length < limit; i++) {
      const event = this.events[i]!;
      if (types && !types.has(event.type)) continue;
      if (prefix !== undefined && !event.streamId.startsWith(prefix)) continue;
      events.push(event);
    }
    const full = events.length >= limit;
    return {
      events,
      nextPosition: full ? events.at(-1)!.globalPosition + 1 : head + 1,
      isEnd: !full,
    };
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value))
      deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
