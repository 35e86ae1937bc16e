import type { ExecutionPlan, JobEvent } from '../../domain/events/job.events';
import { JOB_EVENTS } from '../../domain/events/stackyard-event';
import { isFinalStatus } from '../../domain/job/job-status';
import { jobIdOfStream } from '../../domain/streams';
import type { JobRow } from '../../read-models/job/job.row';
import type { Projection } from '../projection';

/** Job status, step, progress and outcome, one row per `repo-action-<jobId>` stream. */
export const jobProjection: Projection<JobRow, JobEvent['type']> = {
  name: 'jobs',
  kind: JOB_EVENTS,
  keyOf: (event) => jobIdOfStream(event.streamId),
  evolve(row, event) {
    // The time the request was made (metadata), so that the 202 and later reads agree.
    const at = event.metadata?.at ?? event.recordedAt;
    if (event.type === 'RepoActionRequested') {
      if (row) return row;
      const d = event.data;
      return {
        jobId: d.jobId,
        orgId: d.orgId,
        repoId: d.repoId,
        action: d.action,
        branchName: d.branchName ?? null,
        parentBranch: d.parentBranch ?? null,
        idempotencyKey: d.idempotencyKey ?? null,
        taskId: d.taskId ?? null,
        undoOf: d.undoOf ?? null,
        undoable: false,
        status: 'queued',
        step: null,
        message: null,
        progressDone: null,
        progressTotal: null,
        attempt: 0,
        cancelRequested: false,
        requestedAt: at,
        startedAt: null,
        finishedAt: null,
        updatedAt: at,
        result: null,
        error: null,
        position: event.globalPosition,
      };
    }
    // A job's later events mean nothing without its request, and a finished job stays finished.
    if (!row || isFinalStatus(row.status)) return row;
    const next: JobRow = {
      ...row,
      updatedAt: at,
      position: event.globalPosition,
    };
    switch (event.type) {
      case 'RepoActionStarted':
        return {
          ...next,
          status: 'running',
          attempt: event.data.attempt,
          startedAt: row.startedAt ?? at,
          message: null,
        };
      case 'RepoActionStepStarted':
        return {
          ...next,
          step: event.data.step,
          progressDone: null,
          progressTotal: null,
        };
      case 'RepoActionProgressed':
        return {
          ...next,
          step: event.data.step,
          message: event.data.message,
          progressDone: event.data.done ?? null,
          progressTotal: event.data.total ?? null,
        };
      case 'RepoActionStepCompleted':
        return {
          ...next,
          message: event.data.summary,
          // The plan is recorded with `execute`; the undo button shows once it completed.
          ...(event.data.plan
            ? { undoable: planChanges(event.data.plan) }
            : {}),
        };
      case 'RepoActionRetryScheduled':
        return {
          ...next,
          status: 'queued',
          message: `retry ${event.data.attempt} at ${event.data.retryAt}: ${event.data.reason}`,
        };
      case 'RepoActionInterrupted':
        return {
          ...next,
          status: 'queued',
          message: 'interrupted; will resume',
        };
      case 'RepoActionCancelRequested':
        return { ...next, cancelRequested: true, message: 'cancel requested' };
      case 'RepoActionCompleted':
        return {
          ...next,
          status: 'completed',
          message: event.data.summary,
          finishedAt: at,
          result: {
            changed: event.data.changed,
            ...(event.data.adopted ? { adopted: event.data.adopted } : {}),
            ...(event.data.skipped ? { skipped: event.data.skipped } : {}),
          },
        };
      case 'RepoActionFailed':
        return {
          ...next,
          status: 'error',
          undoable: false,
          message: event.data.message,
          finishedAt: at,
          error: {
            code: event.data.code,
            message: event.data.message,
            ...(event.data.conflict ? { conflict: event.data.conflict } : {}),
          },
        };
      case 'RepoActionCancelled':
        return {
          ...next,
          status: 'cancelled',
          undoable: false,
          finishedAt: at,
          message: 'cancelled',
        };
      default: {
        const unhandled: never = event;
        return unhandled;
      }
    }
  },
};

/**
 * Whether a plan moves a branch or records a stack change that is not only a restack that
 * found its branch in place: such a job, once completed, can be offered an undo.
 */
function planChanges(plan: ExecutionPlan): boolean {
  if (plan.moves.some((m) => m.from !== m.to)) return true;
  return plan.events.some(
    (e) =>
      e.type !== 'RepoBranchesObserved' &&
      e.type !== 'RepoRegistered' &&
      !(e.type === 'BranchRestacked' && e.data.fromSha === e.data.toSha),
  );
}
