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
import { TaskResource } from '../../read-models/task/task.resource';
import { IdempotencyKeyHeader } from '../idempotency';
import { CreateTaskBody } from './create-task.dto';

/** `POST /repos/:repoId/tasks`, as the API document describes it. */
export const createTaskRoutes: RouteConfig[] = [
  {
    method: 'post',
    path: '/repos/{repoId}/tasks',
    operationId: 'createTask',
    tags: ['tasks'],
    summary: 'Create a branch-backed task; answers at once',
    description:
      'Never waits for git: the task is `ready` when the cached overview already tracks the branch at the head last seen on the remote, `pending_branch_attach` otherwise (a `register_existing_branch` job, `jobId`, attaches it).',
    request: {
      params: RepoPath,
      headers: z.object({
        'Idempotency-Key': IdempotencyKeyHeader.optional(),
      }),
      body: {
        required: true,
        content: { 'application/json': { schema: CreateTaskBody } },
      },
    },
    responses: {
      200: jsonResponse(
        'The task an earlier request with the same `Idempotency-Key` made.',
        TaskResource,
        'The task: `/tasks/{taskId}`.',
      ),
      202: jsonResponse(
        'Accepted: the task, `ready` or `pending_branch_attach`.',
        TaskResource,
        'The task: `/tasks/{taskId}`.',
      ),
      400: errorResponse(
        '`HTTP.BAD_REQUEST` (malformed JSON), `REQUEST.INVALID` (the body or the `Idempotency-Key` header fails its schema), `TASK.TITLE_REQUIRED`, `TASK.TITLE_TOO_LONG`, `TASK.TITLE_INVALID`, `TASK.BRANCH_IS_TRUNK`, `BRANCH.INVALID_NAME`, `STACK.REPARENT_ONTO_ITSELF`.',
      ),
      401: UNAUTHORIZED,
      404: errorResponse("`REPO.NOT_FOUND`: no such repo in the caller's org."),
      409: errorResponse(
        '`TASK.BRANCH_TAKEN`: the branch already backs a live task (`details.taskId`); `EVENT_STORE.CONCURRENCY`: other writers kept winning the race.',
      ),
      413: BODY_TOO_LARGE,
      415: UNSUPPORTED_MEDIA_TYPE,
      422: errorResponse(
        '`IDEMPOTENCY.KEY_REUSED`: the key made a task for a different request (`details.taskId`).',
      ),
      500: INTERNAL_ERROR,
      503: COMMAND_UNAVAILABLE,
    },
  },
];
