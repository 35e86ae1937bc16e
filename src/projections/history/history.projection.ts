import { jobIdOfStream } from '../../domain/streams';
import type { Projection } from '../projection';
import type { HistoryRow } from '../../read-models/history/history.row';

/**
 * The timeline events: requests, starts, steps, outcomes and branch changes. Progress
 * ticks and branch observations are left out: they are many and say little after the fact.
 */
const EVENT_TYPES: readonly string[] = [
  'RepoRegistered',
  'BranchTracked',
  'BranchReparented',
  'BranchRestacked',
  'BranchUntracked',
  'RepoActionRequested',
  'RepoActionStarted',
  'RepoActionStepStarted',
  'RepoActionStepCompleted',
  'RepoActionRetryScheduled',
  'RepoActionInterrupted',
  'RepoActionCancelRequested',
  'RepoActionCompleted',
  'RepoActionFailed',
  'RepoActionCancelled',
  'TaskCreated',
  'TaskBranchAttachRequested',
  'TaskBranchAttached',
  'TaskBranchAttachFailed',
];

/** One row per event, keyed by its global position; the org and repo come from metadata. */
export const historyProjection: Projection<HistoryRow> = {
  name: 'history',
  eventTypes: EVENT_TYPES,
  keyOf: (event) =>
    event.metadata?.repoId && event.metadata.orgId
      ? String(event.globalPosition)
      : undefined,
  evolve(row, event) {
    if (row) return row;
    const data = { ...(event.data as Record<string, unknown>) };
    // The execute step's plan repeats the branch events that follow it; keep the timeline light.
    delete data.plan;
    return {
      position: event.globalPosition,
      orgId: event.metadata.orgId!,
      repoId: event.metadata.repoId!,
      jobId: jobIdOfStream(event.streamId) ?? event.metadata.jobId ?? null,
      type: event.type,
      at: event.metadata.at ?? event.recordedAt,
      data,
    };
  },
};
