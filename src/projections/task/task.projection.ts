import { TASK_EVENTS } from '../../domain/events/stackyard-event';
import type { TaskEvent } from '../../domain/events/task.events';
import { taskIdOfStream } from '../../domain/streams';
import type { TaskRow } from '../../read-models/task/task.row';
import type { Projection } from '../projection';

/**
 * Task status, one row per `task-<taskId>` stream, with the org readers filter on and
 * when things happened.
 */
export const taskProjection: Projection<TaskRow, TaskEvent['type']> = {
  name: 'tasks',
  kind: TASK_EVENTS,
  keyOf: (event) => taskIdOfStream(event.streamId),
  evolve(row, event) {
    const at = event.metadata?.at ?? event.recordedAt;
    if (event.type === 'TaskCreated') {
      if (row) return row;
      const orgId = event.metadata?.orgId;
      // A task nobody owns would be visible to nobody: skip it rather than guess.
      if (!orgId) return null;
      return {
        taskId: event.data.taskId,
        orgId,
        repoId: event.data.repoId,
        title: event.data.title,
        branchName: event.data.branchName,
        parentBranch: event.data.parentBranch ?? null,
        idempotencyKey: event.data.idempotencyKey ?? null,
        status: 'pending_branch_attach',
        jobId: null,
        headSha: null,
        parent: null,
        error: null,
        createdAt: at,
        updatedAt: at,
        position: event.globalPosition,
      };
    }
    if (!row || event.globalPosition <= row.position) return row;
    const next = { ...row, updatedAt: at, position: event.globalPosition };
    switch (event.type) {
      case 'TaskBranchAttachRequested':
        return { ...next, jobId: event.data.jobId };
      case 'TaskBranchAttached':
        return {
          ...next,
          status: 'ready',
          headSha: event.data.headSha,
          parent: event.data.parent,
        };
      case 'TaskBranchAttachFailed':
        return {
          ...next,
          status: 'attach_failed',
          error: { code: event.data.code, message: event.data.message },
        };
      default: {
        const unhandled: never = event;
        return unhandled;
      }
    }
  },
};
