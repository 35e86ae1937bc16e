import type { FastifyReply } from 'fastify';
import { jobProjection } from '../projections/job/job.projection';
import { foldRow } from '../projections/projection';
import {
  type JobResource,
  toJobResource,
} from '../read-models/job/job.resource';
import type { RequestJobResult } from './request-job/request-job.command';

/**
 * The answer to a request that queued a job: 202 with `Location: /jobs/:jobId`, or 200 when
 * an earlier request with the same `Idempotency-Key` made it; the job as the read model will
 * show it, folded from the events just recorded.
 */
export function answerQueuedJob(
  reply: FastifyReply,
  { jobId, stream, replayed }: RequestJobResult,
): JobResource {
  void reply.status(replayed ? 200 : 202).header('location', `/jobs/${jobId}`);
  return toJobResource(foldRow(jobProjection, stream)!);
}
