import type { MessageMetadata } from '../../src/domain/message';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.port';

/** When the first event of a history is recorded; each later one a second after. */
const RECORDED_FROM = Date.UTC(2026, 0, 1);

/**
 * A store's history written by hand, as the store would record it: global positions in
 * the order of `append`, versions counted per stream, ids and commit times that follow from
 * both. Deterministic, so that a projection's rows can be told exactly.
 */
export interface RecordedHistory {
  /** Records `events` at the end of `streamId`, each with `metadata`. */
  append<E extends { type: string; data: object }>(
    streamId: string,
    events: readonly E[],
    metadata?: MessageMetadata,
  ): Array<RecordedEvent & E>;
  /** Everything appended so far, in global order. */
  readonly events: readonly RecordedEvent[];
}

export function aRecordedHistory(firstPosition = 1): RecordedHistory {
  const all: RecordedEvent[] = [];
  const versions = new Map<string, number>();
  return {
    append(streamId, events, metadata = {}) {
      return events.map((event) => {
        const globalPosition = firstPosition + all.length;
        const streamVersion = (versions.get(streamId) ?? -1) + 1;
        versions.set(streamId, streamVersion);
        const stored = {
          ...event,
          eventId: `${streamId}@${streamVersion}`,
          streamId,
          streamVersion,
          globalPosition,
          metadata,
          recordedAt: new Date(
            RECORDED_FROM + (globalPosition - 1) * 1000,
          ).toISOString(),
        };
        all.push(stored);
        return stored;
      });
    },
    get events() {
      return all;
    },
  };
}
