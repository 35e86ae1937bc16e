import type { TaskRow } from './task.row';

/** The task resource of the API (DESIGN.md "Resources"). */
export interface TaskResource {
  taskId: string;
  repoId: string;
  title: string;
  branchName: string;
  /** The parent the request asked for, if any (`parent` is the one the branch got). */
  parentBranch: string | null;
  status: TaskRow['status'];
  /** The `register_existing_branch` job attaching the branch; null when none was needed. */
  jobId: string | null;
  headSha: string | null;
  parent: string | null;
  error: TaskRow['error'];
  createdAt: string;
  updatedAt: string;
}

export function toTaskResource(row: TaskRow): TaskResource {
  return {
    taskId: row.taskId,
    repoId: row.repoId,
    title: row.title,
    branchName: row.branchName,
    parentBranch: row.parentBranch,
    status: row.status,
    jobId: row.jobId,
    headSha: row.headSha,
    parent: row.parent,
    error: row.error,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
