import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import {
  errorResponse,
  INTERNAL_ERROR,
  INVALID_QUERY,
  jsonResponse,
  UNAUTHORIZED,
} from '../../infrastructure/http/api-responses.openapi';
import { JobPath, RepoPath } from '../../infrastructure/http/path-params.dto';
import { JobEventsPageResource } from '../history/history.resource';
import { JobEventsQuery, ListJobsQuery, ReadQuery } from '../read-queries.dto';
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
    path: '/jobs/{jobId}/events',
    operationId: 'listJobEvents',
    tags: ['jobs'],
    summary: "A job's events, oldest first",
    description:
      "The job's timeline from the history read model: its request (with who asked, `actor`), each step's start and completion, retries with their reasons, interruptions, a cancel request and its end. Progress ticks are left out (the job's `progress` has the latest); `GET /events?jobId=` resumed after the page's `position` carries on live.",
    request: { params: JobPath, query: JobEventsQuery },
    responses: {
      200: jsonResponse("A page of the job's events.", JobEventsPageResource),
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
    description:
      '`status` and `action` narrow the list to the jobs in that status, of that action, or both.',
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
