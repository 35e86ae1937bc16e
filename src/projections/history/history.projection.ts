import {
  type StackyardEventType,
  TIMELINE_EVENTS,
} from '../../domain/events/stackyard-event';
import { withoutSecrets } from '../../domain/events/without-secrets';
import { jobIdOfStream } from '../../domain/streams';
import type { HistoryRow } from '../../read-models/history/history.row';
import type { Projection } from '../projection';

/** One row per event, keyed by its global position; the org and repo come from metadata. */
export const historyProjection: Projection<HistoryRow, StackyardEventType> = {
  name: 'history',
  kind: TIMELINE_EVENTS,
  keyOf: (event) =>
    event.metadata?.repoId && event.metadata.orgId
      ? String(event.globalPosition)
      : undefined,
  evolve(row, event) {
    if (row) return row;
    const data = { ...withoutSecrets(event.data as Record<string, unknown>) };
    // The execute step's plan repeats the branch events that follow it; keep the timeline light.
    delete data.plan;
    return {
      position: event.globalPosition,
      orgId: event.metadata.orgId!,
      repoId: event.metadata.repoId!,
      jobId: jobIdOfStream(event.streamId) ?? event.metadata.jobId ?? null,
      type: event.type,
      actor: event.metadata.actor ?? null,
      at: event.metadata.at ?? event.recordedAt,
      data,
    };
  },
};
