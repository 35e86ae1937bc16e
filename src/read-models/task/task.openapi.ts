import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import {
  errorResponse,
  INTERNAL_ERROR,
  INVALID_QUERY,
  jsonResponse,
  UNAUTHORIZED,
} from '../../infrastructure/http/api-responses.openapi';
import { RepoPath, TaskPath } from '../../infrastructure/http/path-params.dto';
import { ListTasksQuery, ReadQuery } from '../read-queries.dto';
import { TaskListResource, TaskResource } from './task.resource';

/** The routes of `TaskController`, as the API document describes them. */
export const taskRoutes: RouteConfig[] = [
  {
    method: 'get',
    path: '/tasks/{taskId}',
    operationId: 'getTask',
    tags: ['tasks'],
    summary: 'A task',
    request: { params: TaskPath, query: ReadQuery },
    responses: {
      200: jsonResponse('The task.', TaskResource),
      400: INVALID_QUERY,
      401: UNAUTHORIZED,
      404: errorResponse("`TASK.NOT_FOUND`: no such task in the caller's org."),
      500: INTERNAL_ERROR,
    },
  },
  {
    method: 'get',
    path: '/repos/{repoId}/tasks',
    operationId: 'listRepoTasks',
    tags: ['tasks'],
    summary: "A repo's tasks, newest first",
    request: { params: RepoPath, query: ListTasksQuery },
    responses: {
      200: jsonResponse('The tasks.', TaskListResource),
      400: INVALID_QUERY,
      401: UNAUTHORIZED,
      404: errorResponse("`REPO.NOT_FOUND`: no such repo in the caller's org."),
      500: INTERNAL_ERROR,
    },
  },
];
