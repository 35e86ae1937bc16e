import type { TaskEvent } from '../events/task.events';

/** The task status vocabulary clients see (the API's `status`). */
export const TASK_STATUSES = [
  'pending_branch_attach',
  'ready',
  'attach_failed',
] as const;

/** Where a task stands; `absent` until its `TaskCreated`. */
export type TaskStatus = 'absent' | (typeof TASK_STATUSES)[number];

/** A task folded from its `task-<taskId>` stream. */
export interface TaskState {
  status: TaskStatus;
  taskId: string | null;
  repoId: string | null;
  title: string | null;
  branchName: string | null;
  parentBranch: string | null;
  idempotencyKey: string | null;
  /** The `register_existing_branch` job that attaches the branch, if one was needed. */
  jobId: string | null;
  headSha: string | null;
  parent: string | null;
  error: { code: string; message: string } | null;
}

export const initialTaskState = (): TaskState => ({
  status: 'absent',
  taskId: null,
  repoId: null,
  title: null,
  branchName: null,
  parentBranch: null,
  idempotencyKey: null,
  jobId: null,
  headSha: null,
  parent: null,
  error: null,
});

export function evolveTask(state: TaskState, event: TaskEvent): TaskState {
  switch (event.type) {
    case 'TaskCreated': {
      const d = event.data;
      return {
        ...state,
        status: 'pending_branch_attach',
        taskId: d.taskId,
        repoId: d.repoId,
        title: d.title,
        branchName: d.branchName,
        parentBranch: d.parentBranch ?? null,
        idempotencyKey: d.idempotencyKey ?? null,
      };
    }
    case 'TaskBranchAttachRequested':
      return { ...state, jobId: event.data.jobId };
    case 'TaskBranchAttached':
      return {
        ...state,
        status: 'ready',
        headSha: event.data.headSha,
        parent: event.data.parent,
      };
    case 'TaskBranchAttachFailed':
      return {
        ...state,
        status: 'attach_failed',
        error: { code: event.data.code, message: event.data.message },
      };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}
