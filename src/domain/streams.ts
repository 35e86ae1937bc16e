/** Stream names. One place, so that readers and writers never disagree. */

const REPO_PREFIX = 'repo-';
/** Job streams keep the name they were first recorded under. */
const JOB_PREFIX = 'repo-action-';
const TASK_PREFIX = 'task-';
// Not under `repo-`: that prefix names the repo's own stream (see `repoIdOfStream`).
const HOOK_DELIVERY_PREFIX = 'hook-delivery-';
const HOOK_QUEUE_PREFIX = 'hook-queue-';
const SUBSCRIPTION_PREFIX = 'subscription-';

export const repoStream = (repoId: string): string => `${REPO_PREFIX}${repoId}`;
export const jobStream = (jobId: string): string => `${JOB_PREFIX}${jobId}`;
export const taskStream = (taskId: string): string => `${TASK_PREFIX}${taskId}`;
/** One forge delivery to one repo: made once, so a replayed delivery id finds it. */
export const hookDeliveryStream = (repoId: string, deliveryId: string): string =>
  `${HOOK_DELIVERY_PREFIX}${repoId}-${deliveryId}`;
/**
 * The jobs hooks queued for one key of a repo (its sync, or one branch's restack), read to
 * coalesce the next ones. `keyId` is the key as the queue names it in a stream id (a branch
 * name hashed): each key has its stream, so hooks for different keys never conflict.
 */
export const hookQueueStream = (repoId: string, keyId: string): string =>
  `${HOOK_QUEUE_PREFIX}${repoId}-${keyId}`;
export const subscriptionStream = (subscriptionId: string): string =>
  `${SUBSCRIPTION_PREFIX}${subscriptionId}`;

/** What every subscription stream's name starts with. */
export const SUBSCRIPTION_STREAM_PREFIX = SUBSCRIPTION_PREFIX;

/** What every job stream's name starts with, for reads and subscriptions of all jobs. */
export const JOB_STREAM_PREFIX = JOB_PREFIX;

/** The job id of a `repo-action-<jobId>` stream, or undefined for another stream. */
export function jobIdOfStream(streamId: string): string | undefined {
  return streamId.startsWith(JOB_PREFIX)
    ? streamId.slice(JOB_PREFIX.length)
    : undefined;
}

/** The repo id of a `repo-<repoId>` stream, or undefined for another stream (a job's too). */
export function repoIdOfStream(streamId: string): string | undefined {
  return streamId.startsWith(REPO_PREFIX) && !streamId.startsWith(JOB_PREFIX)
    ? streamId.slice(REPO_PREFIX.length)
    : undefined;
}

/** The task id of a `task-<taskId>` stream, or undefined for another stream. */
export function taskIdOfStream(streamId: string): string | undefined {
  return streamId.startsWith(TASK_PREFIX)
    ? streamId.slice(TASK_PREFIX.length)
    : undefined;
}

/** The subscription id of a `subscription-<id>` stream, or undefined for another stream. */
export function subscriptionIdOfStream(streamId: string): string | undefined {
  return streamId.startsWith(SUBSCRIPTION_PREFIX)
    ? streamId.slice(SUBSCRIPTION_PREFIX.length)
    : undefined;
}
