import { ApiError, get, post, seg } from './api.js';
import type { ActionRequest, Job, Repo, Task } from './types.js';

/**
 * The API routes the repo page uses, typed. Reads take `minPosition`: the service answers
 * once its read models include that event (read-your-writes after an SSE event); a service
 * without the parameter ignores it.
 */
const repoPath = (repoId: string) => `/repos/${seg(repoId)}`;

export const readRepo = (repoId: string, minPosition?: number) =>
  get<Repo>(repoPath(repoId), { minPosition });

export const readJob = (jobId: string, minPosition?: number) =>
  get<Job>(`/jobs/${seg(jobId)}`, { minPosition });

/** The newest `limit` jobs of a repo. */
export async function readJobs(repoId: string, limit: number) {
  return (await get<{ items: Job[] }>(`${repoPath(repoId)}/jobs`, { limit }))
    .items;
}

/** The repo's tasks, or null when the service has no task API (an older build). */
export async function readTasks(
  repoId: string,
  minPosition?: number,
): Promise<Task[] | null> {
  try {
    return (
      await get<{ items: Task[] }>(`${repoPath(repoId)}/tasks`, {
        minPosition,
      })
    ).items;
  } catch (error) {
    // "No such route" is not "no such repo": the rest of the page still works.
    if (error instanceof ApiError && error.code === 'HTTP.NOT_FOUND') {
      return null;
    }
    throw error;
  }
}

/** 202 with the job, `queued`. */
export const requestAction = (repoId: string, request: ActionRequest) =>
  post<Job>(`${repoPath(repoId)}/actions`, request);

export const cancelJob = (jobId: string) =>
  post<Job>(`/jobs/${seg(jobId)}/cancel`);

/** 202 with the task (`pending_branch_attach`, or `ready` at once). */
export const createTask = (
  repoId: string,
  body: { title: string; branchName: string; parentBranch?: string },
) => post<Task>(`${repoPath(repoId)}/tasks`, body);
