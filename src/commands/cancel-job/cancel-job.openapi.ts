import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
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

/** `POST /jobs/:jobId/cancel`, as the API document describes it. */
export const cancelJobRoutes: RouteConfig[] = [
  {
    method: 'post',
    path: '/jobs/{jobId}/cancel',
    operationId: 'cancelJob',
    tags: ['jobs'],
    summary:
      'Cancel a queued job, or ask a running one to stop at its next step',
    description:
      'Takes no body; one that is sent is still parsed, hence the 400, 413 and 415.',
    request: { params: JobPath },
    responses: {
      200: jsonResponse(
        'The job had not started (or waited between attempts): it is `cancelled`.',
        JobResource,
      ),
      202: jsonResponse(
        'The job runs: `cancelRequested` is set and it stops at its next step boundary.',
        JobResource,
      ),
      400: errorResponse('`HTTP.BAD_REQUEST`: a malformed JSON body.'),
      401: UNAUTHORIZED,
      404: errorResponse("`JOB.NOT_FOUND`: no such job in the caller's org."),
      409: errorResponse(
        '`JOB.ALREADY_FINISHED` (`details.status`); `JOB.CANNOT_CANCEL`: the job has published its changes and will finish; `EVENT_STORE.CONCURRENCY`: the runner kept winning the race.',
      ),
      413: BODY_TOO_LARGE,
      415: UNSUPPORTED_MEDIA_TYPE,
      500: INTERNAL_ERROR,
      503: COMMAND_UNAVAILABLE,
    },
  },
];
