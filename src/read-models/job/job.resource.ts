import type { JobRow } from './job.row';

/** The job resource of the API (DESIGN.md "Resources"). */
export interface JobResource {
  jobId: string;
  repoId: string;
  action: JobRow['action'];
  branchName: string | null;
  parentBranch: string | null;
  /** The task whose branch this job attaches, if any. */
  taskId: string | null;
  status: JobRow['status'];
  step: JobRow['step'];
  message: string | null;
  progress: { done: number; total: number } | null;
  attempt: number;
  cancelRequested: boolean;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  result: JobRow['result'];
  error: JobRow['error'];
}

export function toJobResource(row: JobRow): JobResource {
  return {
    jobId: row.jobId,
    repoId: row.repoId,
    action: row.action,
    branchName: row.branchName,
    parentBranch: row.parentBranch,
    taskId: row.taskId ?? null,
    status: row.status,
    step: row.step,
    message: row.message,
    progress:
      row.progressDone !== null && row.progressTotal !== null
        ? { done: row.progressDone, total: row.progressTotal }
        : null,
    attempt: row.attempt,
    cancelRequested: Boolean(row.cancelRequested),
    requestedAt: row.requestedAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    updatedAt: row.updatedAt,
    result: row.result,
    error: row.error,
  };
}
