import type { RepoActionRequested } from '../../domain/events/job.events';
import type { MessageMetadata } from '../../domain/message';

/**
 * The metadata of every event a worker appends for a job, to the job's stream and to its
 * repo's: correlated by the job, attributed to the worker, stamped with `at`.
 */
export function jobMetadata(
  request: RepoActionRequested['data'],
  worker: string,
  at: Date,
): MessageMetadata {
  return {
    correlationId: request.jobId,
    jobId: request.jobId,
    actor: `worker:${worker}`,
    orgId: request.orgId,
    repoId: request.repoId,
    at: at.toISOString(),
  };
}
