import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import {
  errorResponse,
  INTERNAL_ERROR,
  INVALID_QUERY,
  jsonResponse,
  UNAUTHORIZED,
} from '../../infrastructure/http/api-responses.openapi';
import { JobPath, RepoPath } from '../../infrastructure/http/path-params.dto';
import { ListJobsQuery, ReadQuery } from '../read-queries.dto';
import { JobPageResource, JobResource } from './job.resource';

/** The routes of `JobController`, as the API document describes them. */
export const jobRoutes: RouteConfig[] = [
  {
    method: 'get',
    path: '/jobs/{jobId}',
    operationId: 'getJob',
    tags: ['jobs'],
    summary: 'A job',
    request: { params: JobPath, query: ReadQuery },
    responses: {
      200: jsonResponse('The job.', JobResource),
      400: INVALID_QUERY,
      401: UNAUTHORIZED,
      404: errorResponse("`JOB.NOT_FOUND`: no such job in the caller's org."),
      500: INTERNAL_ERROR,
    },
  },
  {
    method: 'get',
    path: '/repos/{repoId}/jobs',
    operationId: 'listRepoJobs',
    tags: ['jobs'],
    summary: "A repo's jobs, newest first",
    request: { params: RepoPath, query: ListJobsQuery },
    responses: {
      200: jsonResponse('A page of jobs.', JobPageResource),
      400: errorResponse(
        '`REQUEST.INVALID`: a query parameter fails its schema; `REQUEST.INVALID_CURSOR`: `cursor` is not one this API gave out.',
      ),
      401: UNAUTHORIZED,
      404: errorResponse("`REPO.NOT_FOUND`: no such repo in the caller's org."),
      500: INTERNAL_ERROR,
    },
  },
];
