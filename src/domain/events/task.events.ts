import type { Event } from '../message';

/** Events of the `task-<taskId>` stream: branch-backed task creation. */

export type TaskCreated = Event<
  'TaskCreated',
  { taskId: string; repoId: string; title: string; branchName: string }
>;

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
