import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  BODY_TOO_LARGE,
  COMMAND_UNAVAILABLE,
  errorResponse,
  INTERNAL_ERROR,
  jsonResponse,
  UNAUTHORIZED,
  UNSUPPORTED_MEDIA_TYPE,
} from '../../infrastructure/http/api-responses.openapi';
import { RepoPath } from '../../infrastructure/http/path-params.dto';
import { JobResource } from '../../read-models/job/job.resource';
import { IdempotencyKeyHeader } from '../idempotency';
import { RequestJobBody } from './request-job.dto';

/** `POST /repos/:repoId/actions`, as the API document describes it. */
export const requestJobRoutes: RouteConfig[] = [
  {
    method: 'post',
    path: '/repos/{repoId}/actions',
    operationId: 'requestJob',
    tags: ['jobs'],
    summary: 'Request a repo action; answers at once with the queued job',
    description:
      'Never waits for git: the job runs in the background. Follow it on `GET /events?jobId=` or read `GET /jobs/{jobId}`.',
    request: {
      params: RepoPath,
      headers: z.object({
        'Idempotency-Key': IdempotencyKeyHeader.optional(),
      }),
      body: {
        required: true,
        content: { 'application/json': { schema: RequestJobBody } },
      },
    },
    responses: {
      200: jsonResponse(
        'The job an earlier request with the same `Idempotency-Key` made.',
        JobResource,
        'The job: `/jobs/{jobId}`.',
      ),
      202: jsonResponse(
        'Accepted: the job, `queued`, as the read model will show it.',
        JobResource,
        'The job: `/jobs/{jobId}`.',
      ),
      400: errorResponse(
        '`HTTP.BAD_REQUEST` (malformed JSON), `REQUEST.INVALID` (the body or the `Idempotency-Key` header fails its schema), `REPO_ACTION.UNKNOWN_ACTION`, `REPO_ACTION.BRANCH_REQUIRED`, `REPO_ACTION.PARENT_REQUIRED`, `REPO_ACTION.UNDO_NEEDS_JOB` (undo has its own route), `BRANCH.INVALID_NAME`, `STACK.REPARENT_ONTO_ITSELF`.',
      ),
      401: UNAUTHORIZED,
      404: errorResponse("`REPO.NOT_FOUND`: no such repo in the caller's org."),
      409: errorResponse(
        '`EVENT_STORE.CONCURRENCY`: other writers to the job kept winning the race; retry.',
      ),
      413: BODY_TOO_LARGE,
      415: UNSUPPORTED_MEDIA_TYPE,
      422: errorResponse(
        '`IDEMPOTENCY.KEY_REUSED`: the key made a job for a different request (`details.jobId`).',
      ),
      500: INTERNAL_ERROR,
      503: COMMAND_UNAVAILABLE,
    },
  },
];
