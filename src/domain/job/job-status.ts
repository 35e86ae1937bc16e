/** The job status vocabulary every client shares (the API's `status`). */
export const JOB_STATUSES = [
  'queued',
  'running',
  'completed',
  'error',
  'cancelled',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** The statuses a job ends in; nothing changes it afterwards. */
export const FINAL_JOB_STATUSES = [
  'completed',
  'error',
  'cancelled',
] as const satisfies readonly JobStatus[];
export type FinalJobStatus = (typeof FINAL_JOB_STATUSES)[number];

const FINAL: ReadonlySet<string> = new Set(FINAL_JOB_STATUSES);

export const isFinalStatus = (status: string): status is FinalJobStatus =>
  FINAL.has(status);
