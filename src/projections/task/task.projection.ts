import type { TaskEvent } from '../../domain/events/task.events';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';
import type { Projection } from '../projection';
import type { TaskRow } from '../../read-models/task/task.row';

const TASK_STREAM_PREFIX = 'task-';

const EVENT_TYPES: readonly TaskEvent['type'][] = [
  'TaskCreated',
  'TaskBranchAttachRequested',
  'TaskBranchAttached',
  'TaskBranchAttachFailed',
];

/**
 * Task status, one row per `task-<taskId>` stream, with the org readers filter on and
 * when things happened.
 */
export const taskProjection: Projection<TaskRow> = {
  name: 'tasks',
  eventTypes: EVENT_TYPES,
  keyOf: (event) =>
    event.streamId.startsWith(TASK_STREAM_PREFIX)
      ? event.streamId.slice(TASK_STREAM_PREFIX.length)
      : undefined,
  evolve(row, recorded) {
    const event = recorded as RecordedEvent & TaskEvent;
    const at = recorded.metadata?.at ?? recorded.recordedAt;
    if (event.type === 'TaskCreated') {
      if (row) return row;
      const orgId = recorded.metadata?.orgId;
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
        position: recorded.globalPosition,
      };
    }
    if (!row || recorded.globalPosition <= row.position) return row;
    const next = { ...row, updatedAt: at, position: recorded.globalPosition };
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
    }
  },
};
