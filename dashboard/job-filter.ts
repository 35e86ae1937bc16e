import type { Job } from './types.js';

/** The job list's filter: a status, an action, both or neither (as the API's query). */
export interface JobFilter {
  status?: string;
  action?: string;
}

export const matchesFilter = (job: Job, filter: JobFilter): boolean =>
  (filter.status === undefined || job.status === filter.status) &&
  (filter.action === undefined || job.action === filter.action);

/** The jobs the filter lets through, in their order. */
export const filterJobs = (jobs: readonly Job[], filter: JobFilter): Job[] =>
  jobs.filter((job) => matchesFilter(job, filter));

/** Whether the filter narrows anything. */
export const isFiltered = (filter: JobFilter): boolean =>
  filter.status !== undefined || filter.action !== undefined;

/** A filter from the controls' values, where '' means any. */
export function filterOf(status: string, action: string): JobFilter {
  return {
    ...(status !== '' ? { status } : {}),
    ...(action !== '' ? { action } : {}),
  };
}
