import { ConcurrencyError, DuplicateEventIdError } from './event-store.errors';
import type {
  AppendResult,
  EventFilter,
  ExpectedVersion,
  RecordedEvent,
} from './event-store.port';

/** The stream version meaning "no events yet". */
export const NO_STREAM_VERSION = -1;

/** Rules every adapter applies the same way. */
export function checkExpectedVersion(
  streamId: string,
  expected: ExpectedVersion,
  current: number,
): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === NO_STREAM_VERSION) ||
    (expected === 'stream_exists' && current !== NO_STREAM_VERSION) ||
    expected === current;
  if (!ok) {
    throw new ConcurrencyError(
      streamId,
      expected,
      current === NO_STREAM_VERSION ? 'no_stream' : current,
    );
  }
}

/** An event found stored under an id it is appended with again. */
export type StoredId = RecordedEvent;

/**
 * Decides what a retried append means. If every event id was stored before, in this stream
 * and in this order, the append already happened: return its original result and write
 * nothing. If none was, append normally (returns undefined). Anything in between is an error.
 */
export function resolveRetriedAppend(
  streamId: string,
  previous: readonly (StoredId | undefined)[],
): AppendResult | undefined {
  if (previous.every((p) => p === undefined)) return undefined;
  const stored = previous.filter((p): p is StoredId => p !== undefined);
  const consecutive = stored.every(
    (p, i) =>
      p.streamId === streamId &&
      (i === 0 || p.streamVersion === stored[i - 1]!.streamVersion + 1),
  );
  if (stored.length !== previous.length || !consecutive) {
    throw new DuplicateEventIdError(streamId);
  }
  return appendResultOf(stored);
}

/** The result of an append that recorded `events` (at least one). */
export function appendResultOf(events: RecordedEvent[]): AppendResult {
  return {
    nextExpectedVersion: events[events.length - 1]!.streamVersion,
    globalPositions: events.map((e) => e.globalPosition),
    events,
  };
}

/** Why `streamId` cannot name a stream, as the error to raise; undefined when it can. */
export function streamIdError(streamId: unknown): TypeError | undefined {
  return typeof streamId === 'string' && streamId.length > 0
    ? undefined
    : new TypeError('streamId must be a non-empty string');
}

export function matchesFilter(
  event: Pick<RecordedEvent, 'type' | 'streamId'>,
  filter: EventFilter | undefined,
): boolean {
  if (!filter) return true;
  if (filter.types && !filter.types.includes(event.type)) return false;
  if (filter.streamPrefix && !event.streamId.startsWith(filter.streamPrefix))
    return false;
  return true;
}

/**
 * An append that names one event id twice could only be stored in part (the second copy
 * breaks the id's uniqueness after the first is written): it is refused whole, before
 * anything is written, by every adapter alike.
 */
export function assertDistinctEventIds(
  streamId: string,
  events: readonly { eventId?: string }[],
): void {
  const ids = events.flatMap((e) =>
    e.eventId === undefined ? [] : [e.eventId],
  );
  if (new Set(ids).size !== ids.length)
    throw new DuplicateEventIdError(streamId);
}
