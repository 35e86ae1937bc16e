import type { Event } from '../message';

/** Events of the `task-<taskId>` stream: branch-backed task creation. */

export type TaskCreated = Event<
  'TaskCreated',
  {
    taskId: string;
    repoId: string;
    title: string;
    branchName: string;
    /** The parent the attach job should track the branch under (else it finds one). */
    parentBranch?: string;
    /** The client's `Idempotency-Key`, to recognise a retry of the same request. */
    idempotencyKey?: string;
  }
>;

/** The branch was not known tracked and fresh: a `register_existing_branch` job attaches it. */
export type TaskBranchAttachRequested = Event<
  'TaskBranchAttachRequested',
  { jobId: string }
>;

export type TaskBranchAttached = Event<
  'TaskBranchAttached',
  { headSha: string; parent: string }
>;

export type TaskBranchAttachFailed = Event<
  'TaskBranchAttachFailed',
  { code: string; message: string }
>;

export type TaskEvent =
  | TaskCreated
  | TaskBranchAttachRequested
  | TaskBranchAttached
  | TaskBranchAttachFailed;

/** Every type of the task stream. */
export const TASK_EVENT_TYPES = [
  'TaskCreated',
  'TaskBranchAttachRequested',
  'TaskBranchAttached',
  'TaskBranchAttachFailed',
] as const satisfies readonly TaskEvent['type'][];
