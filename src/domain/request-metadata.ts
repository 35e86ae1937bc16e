import type { MessageMetadata } from './message';

/**
 * Metadata of an event a request causes: who asked, the org and repo it concerns (readers
 * filter on them), and the correlation id that ties together what the request set off: the
 * HTTP request's id (`X-Request-Id`) when a request caused it, which every event of a job it
 * asked for carries too; without one (a saga acting alone), the id of what it concerns.
 */
export function requestMetadata(input: {
  orgId: string;
  repoId: string;
  correlationId: string;
  at: string;
  jobId?: string;
}): MessageMetadata {
  const metadata = {
    correlationId: input.correlationId,
    actor: `org:${input.orgId}`,
    orgId: input.orgId,
    repoId: input.repoId,
    at: input.at,
  };
  // Not `{ ...(jobId ? { jobId } : {}), … }`: V8 copies a spread that opens an object
  // literal from sources of two shapes on its slow path, 1–3 µs a call here (40× this).
  return input.jobId === undefined
    ? metadata
    : { jobId: input.jobId, ...metadata };
}
