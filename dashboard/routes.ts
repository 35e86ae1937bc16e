import { ApiError, get, post, seg } from './api.js';
import type { JobFilter } from './job-filter.js';
import type {
  ActionRequest,
  HistoryItem,
  Job,
  JobEventsPage,
  Repo,
  Task,
} from './types.js';

/**
 * The API routes the repo page uses, typed. Reads take `minPosition`: the service answers
 * once its read models include that event (read-your-writes after an SSE event); a service
 * without the parameter ignores it.
 */
const repoPath = (repoId: string) => `/repos/${seg(repoId)}`;

export const readRepo = (repoId: string, minPosition?: number) =>
  get<Repo>(repoPath(repoId), { minPosition });

/**
 * The org's repos. `minPosition` beyond the store's head waits for the head: with
 * `UP_TO_HEAD`, the list holds every repo registered before the read began.
 */
export async function readRepos(minPosition?: number): Promise<Repo[]> {
  return (await get<{ items: Repo[] }>('/repos', { minPosition })).items;
}
export const UP_TO_HEAD = Number.MAX_SAFE_INTEGER;

export const readJob = (jobId: string, minPosition?: number) =>
  get<Job>(`/jobs/${seg(jobId)}`, { minPosition });

/** The newest `limit` jobs of a repo, of the filter's status and action when set. */
export async function readJobs(
  repoId: string,
  limit: number,
  filter: JobFilter = {},
) {
  return (
    await get<{ items: Job[] }>(`${repoPath(repoId)}/jobs`, {
      limit,
      ...filter,
    })
  ).items;
}

const EVENTS_PAGE = 200;

/**
 * A job's events after position `after` (all of them without it), oldest first, every
 * page; `position` is the read models' position at the first page (a stream resumed after
 * it misses nothing).
 */
export async function readJobEvents(
  jobId: string,
  after: number | undefined,
  minPosition?: number,
): Promise<{ items: HistoryItem[]; position: number }> {
  const items: HistoryItem[] = [];
  let position: number | undefined;
  let from = after;
  for (;;) {
    const page = await get<JobEventsPage>(`/jobs/${seg(jobId)}/events`, {
      limit: EVENTS_PAGE,
      after: from,
      minPosition,
    });
    position ??= page.position;
    items.push(...page.items);
    if (page.nextAfter === null) return { items, position };
    from = page.nextAfter;
  }
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

/** 202 with the new `undo` job (`undoOf` = `jobId`), `queued`. */
export const undoJob = (jobId: string) => post<Job>(`/jobs/${seg(jobId)}/undo`);

/** 202 with the task (`pending_branch_attach`, or `ready` at once). */
export const createTask = (
  repoId: string,
  body: { title: string; branchName: string; parentBranch?: string },
) => post<Task>(`${repoPath(repoId)}/tasks`, body);
