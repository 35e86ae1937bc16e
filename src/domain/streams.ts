/** Stream names. One place, so that readers and writers never disagree. */

export const repoStream = (repoId: string): string => `repo-${repoId}`;
export const jobStream = (jobId: string): string => `repo-action-${jobId}`;
export const taskStream = (taskId: string): string => `task-${taskId}`;

export const JOB_STREAM_PREFIX = 'repo-action-';

/** The job id of a `repo-action-<jobId>` stream, or undefined for another stream. */
export function jobIdOfStream(streamId: string): string | undefined {
  return streamId.startsWith(JOB_STREAM_PREFIX)
    ? streamId.slice(JOB_STREAM_PREFIX.length)
    : undefined;
}
