import type { MessageMetadata } from './message';

/**
 * Metadata of an event a request causes: who asked, the org and repo it concerns (readers
 * filter on them), and the correlation id that ties a job's events together.
 */
export function requestMetadata(input: {
  orgId: string;
  repoId: string;
  correlationId: string;
  at: string;
  jobId?: string;
}): MessageMetadata {
  return {
    ...(input.jobId !== undefined ? { jobId: input.jobId } : {}),
    correlationId: input.correlationId,
    actor: `org:${input.orgId}`,
    orgId: input.orgId,
    repoId: input.repoId,
    at: input.at,
  };
}
