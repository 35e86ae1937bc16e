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
import { JobPath } from '../../infrastructure/http/path-params.dto';
import { JobResource } from '../../read-models/job/job.resource';
import { IdempotencyKeyHeader } from '../idempotency';

/** `POST /jobs/:jobId/undo`, as the API document describes it. */
export const undoJobRoutes: RouteConfig[] = [
  {
    method: 'post',
    path: '/jobs/{jobId}/undo',
    operationId: 'undoJob',
    tags: ['jobs'],
    summary:
      'Put back what a completed job changed; answers at once with the queued `undo` job',
    description:
      'The `undo` job moves every branch the job moved back to its sha from before the job, on the remote (leased on the sha the job left) and in the clone, and gives every branch whose tracking the job changed its parent and base back (tracking or untracking it again). If any of them changed since (someone pushed, or a later job moved it), nothing changes and the undo job ends `error` with `UNDO.BRANCHES_MOVED` and the branches in its message (`UNDO.ALREADY_UNDONE` when an undo of the job ran already). Undoing an undo redoes. Takes no body; one that is sent is still parsed, hence the 400, 413 and 415.',
    request: {
      params: JobPath,
      headers: z.object({
        'Idempotency-Key': IdempotencyKeyHeader.optional(),
      }),
    },
    responses: {
      200: jsonResponse(
        'The undo job an earlier request with the same `Idempotency-Key` made.',
        JobResource,
        'The undo job: `/jobs/{jobId}`.',
      ),
      202: jsonResponse(
        'Accepted: the `undo` job (`undoOf` names the job it puts back), `queued`.',
        JobResource,
        'The undo job: `/jobs/{jobId}`.',
      ),
      400: errorResponse(
        '`HTTP.BAD_REQUEST` (a malformed JSON body), `REQUEST.INVALID` (the `Idempotency-Key` header fails its schema).',
      ),
      401: UNAUTHORIZED,
      404: errorResponse(
        "`JOB.NOT_FOUND`: no such job in the caller's org; `REPO.NOT_FOUND`: its repo is gone.",
      ),
      409: errorResponse(
        '`UNDO.JOB_NOT_COMPLETED` (`details.status`): only a completed job can be undone; `UNDO.NOTHING_TO_UNDO`: the job moved no branch and changed no tracking; `EVENT_STORE.CONCURRENCY`: retry.',
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
