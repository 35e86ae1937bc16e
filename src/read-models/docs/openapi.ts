import { z } from 'zod';
import { IdempotencyKeyHeader } from '../../commands/idempotency';
import { RequestJobBody } from '../../commands/request-job/request-job.dto';
import { RegisterRepoBody } from '../../commands/register-repo/register-repo.dto';
import { JOB_ACTIONS } from '../../domain/events/job.events';
import { CreateTaskBody } from '../../commands/create-task/create-task.dto';
import {
  HistoryQuery,
  JOB_STATUSES,
  ListJobsQuery,
  ListTasksQuery,
  ReadQuery,
  TASK_STATUSES,
} from '../read-queries.dto';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input' });

const error = {
  description: 'Coded error',
  content: {
    'application/json': { schema: { $ref: '#/components/schemas/Error' } },
  },
};
const json = (ref: string, description: string) => ({
  description,
  content: {
    'application/json': { schema: { $ref: `#/components/schemas/${ref}` } },
  },
});
const queryParams = (s: z.ZodObject) =>
  Object.keys(s.shape).map((name) => ({
    name,
    in: 'query',
    required: false,
    schema: { type: 'string' },
  }));
const idempotencyKeyParam = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: schema(IdempotencyKeyHeader),
};
const path = (name: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
});

/**
 * The OpenAPI 3.1 description of the API, built from the same zod schemas that validate
 * requests, so that the two cannot drift apart.
 */
export function openApiDocument(): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Stackyard',
      version: '1',
      description:
        'Stacked-branch repo actions as background jobs. Commands answer 202 with a job; watch it on GET /events (SSE).',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                details: { type: 'object' },
              },
              required: ['code', 'message'],
            },
          },
        },
        RegisterRepo: schema(RegisterRepoBody),
        RequestJob: {
          ...schema(RequestJobBody),
          properties: {
            ...(schema(RequestJobBody) as { properties: object }).properties,
            action: { type: 'string', enum: [...JOB_ACTIONS] },
          },
        },
        Job: {
          type: 'object',
          description: 'DESIGN.md "Resources": job',
          properties: {
            jobId: { type: 'string' },
            repoId: { type: 'string' },
            action: { type: 'string', enum: [...JOB_ACTIONS] },
            branchName: { type: ['string', 'null'] },
            parentBranch: { type: ['string', 'null'] },
            taskId: { type: ['string', 'null'] },
            status: { type: 'string', enum: [...JOB_STATUSES] },
            step: { type: ['string', 'null'] },
            message: { type: ['string', 'null'] },
            progress: { type: ['object', 'null'] },
            attempt: { type: 'integer' },
            requestedAt: { type: 'string', format: 'date-time' },
            startedAt: { type: ['string', 'null'] },
            finishedAt: { type: ['string', 'null'] },
            result: { type: ['object', 'null'] },
            error: { type: ['object', 'null'] },
          },
        },
        Repo: { type: 'object', description: 'DESIGN.md "Resources": repo' },
        CreateTask: schema(CreateTaskBody),
        Task: {
          type: 'object',
          description: 'DESIGN.md "Resources": task',
          properties: {
            taskId: { type: 'string' },
            repoId: { type: 'string' },
            title: { type: 'string' },
            branchName: { type: 'string' },
            parentBranch: { type: ['string', 'null'] },
            status: { type: 'string', enum: [...TASK_STATUSES] },
            jobId: { type: ['string', 'null'] },
            headSha: { type: ['string', 'null'] },
            parent: { type: ['string', 'null'] },
            error: { type: ['object', 'null'] },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/repos': {
        post: {
          summary: 'Register a repo; its first sync_repo job clones it',
          requestBody: {
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/RegisterRepo' },
              },
            },
          },
          responses: {
            202: json('Repo', 'Registered; initialJobId names the clone job'),
            400: error,
            409: error,
            503: error,
          },
        },
        get: {
          summary: "Repos of the caller's org",
          responses: { 200: { description: '{ items: Repo[] }' } },
        },
      },
      '/repos/{repoId}': {
        get: {
          summary: 'Stack overview from the cached projection',
          parameters: [path('repoId'), ...queryParams(ReadQuery)],
          responses: { 200: json('Repo', 'The repo'), 404: error },
        },
      },
      '/repos/{repoId}/actions': {
        post: {
          summary: 'Request a repo action; answers at once with the queued job',
          parameters: [path('repoId'), idempotencyKeyParam],
          requestBody: {
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/RequestJob' },
              },
            },
          },
          responses: {
            202: json('Job', 'Accepted; Location: /jobs/{jobId}'),
            200: json(
              'Job',
              'The job an earlier request with the same Idempotency-Key made',
            ),
            400: error,
            404: error,
            413: error,
            422: error,
            503: error,
          },
        },
      },
      '/repos/{repoId}/jobs': {
        get: {
          summary: 'Jobs of a repo, newest first',
          parameters: [path('repoId'), ...queryParams(ListJobsQuery)],
          responses: {
            200: { description: '{ items: Job[], nextCursor }' },
            400: error,
            404: error,
          },
        },
      },
      '/repos/{repoId}/history': {
        get: {
          summary: 'Timeline of a repo, newest first',
          parameters: [path('repoId'), ...queryParams(HistoryQuery)],
          responses: {
            200: { description: '{ items, nextBefore }' },
            404: error,
          },
        },
      },
      '/repos/{repoId}/tasks': {
        post: {
          summary:
            'Create a branch-backed task; answers at once, ready or pending_branch_attach',
          parameters: [path('repoId'), idempotencyKeyParam],
          requestBody: {
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/CreateTask' },
              },
            },
          },
          responses: {
            202: json('Task', 'Accepted; Location: /tasks/{taskId}'),
            200: json(
              'Task',
              'The task an earlier request with the same Idempotency-Key made',
            ),
            400: error,
            404: error,
            409: error,
            422: error,
            503: error,
          },
        },
        get: {
          summary: 'Tasks of a repo, newest first',
          parameters: [path('repoId'), ...queryParams(ListTasksQuery)],
          responses: {
            200: { description: '{ items: Task[] }' },
            400: error,
            404: error,
          },
        },
      },
      '/tasks/{taskId}': {
        get: {
          summary: 'A task',
          parameters: [path('taskId'), ...queryParams(ReadQuery)],
          responses: { 200: json('Task', 'The task'), 404: error },
        },
      },
      '/jobs/{jobId}': {
        get: {
          summary: 'A job',
          parameters: [path('jobId'), ...queryParams(ReadQuery)],
          responses: { 200: json('Job', 'The job'), 404: error },
        },
      },
      '/jobs/{jobId}/cancel': {
        post: {
          summary:
            'Cancel a queued job, or ask a running one to stop at its next step',
          parameters: [path('jobId')],
          responses: {
            200: json('Job', 'Cancelled'),
            202: json('Job', 'Cancel requested'),
            404: error,
            409: error,
          },
        },
      },
      '/events': {
        get: {
          summary:
            'Server-Sent Events; id = global position; resumes from Last-Event-ID',
          parameters: [
            {
              name: 'repoId',
              in: 'query',
              required: false,
              schema: { type: 'string' },
            },
            {
              name: 'jobId',
              in: 'query',
              required: false,
              schema: { type: 'string' },
            },
            {
              name: 'Last-Event-ID',
              in: 'header',
              required: false,
              schema: { type: 'string' },
            },
            {
              name: 'access_token',
              in: 'query',
              required: false,
              schema: { type: 'string' },
            },
          ],
          responses: { 200: { description: 'text/event-stream' }, 404: error },
        },
      },
      '/health': {
        get: {
          security: [],
          summary: 'Readiness',
          responses: {
            200: { description: 'ready' },
            503: { description: 'not ready' },
          },
        },
      },
      '/metrics': {
        get: {
          security: [],
          summary: 'Prometheus metrics',
          responses: { 200: { description: 'text/plain' } },
        },
      },
    },
  };
}
