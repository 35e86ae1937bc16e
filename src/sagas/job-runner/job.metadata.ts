import type { RepoActionRequested } from '../../domain/events/job.events';
import type { MessageMetadata } from '../../domain/message';

/**
 * The correlation id of a job: the one its `RepoActionRequested` was recorded with (the id
 * of the request that asked for it), or the job's id for a request recorded without one.
 */
export function jobCorrelationId(
  request: RepoActionRequested['data'],
  requestedWith: MessageMetadata | undefined,
): string {
  return requestedWith?.correlationId ?? request.jobId;
}

/**
 * The metadata of every event a worker appends for a job, to the job's stream and to its
 * repo's: correlated as its request was (see `jobCorrelationId`), attributed to the worker,
 * stamped with `at`.
 */
export function jobMetadata(
  request: RepoActionRequested['data'],
  correlationId: string,
  worker: string,
  at: Date,
): MessageMetadata {
  return {
    correlationId,
    jobId: request.jobId,
    actor: `worker:${worker}`,
    orgId: request.orgId,
    repoId: request.repoId,
    at: at.toISOString(),
  };
}
