import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import {
  errorResponse,
  INTERNAL_ERROR,
  INVALID_QUERY,
  jsonResponse,
  UNAUTHORIZED,
} from '../../infrastructure/http/api-responses.openapi';
import { RepoPath } from '../../infrastructure/http/path-params.dto';
import { HistoryPageResource } from '../history/history.resource';
import { HistoryQuery, ReadQuery } from '../read-queries.dto';
import { RepoListResource, RepoResource } from './repo.resource';

const REPO_NOT_FOUND = errorResponse(
  "`REPO.NOT_FOUND`: no such repo in the caller's org.",
);

/** The routes of `RepoController`, as the API document describes them. */
export const repoRoutes: RouteConfig[] = [
  {
    method: 'get',
    path: '/repos',
    operationId: 'listRepos',
    tags: ['repos'],
    summary: "The caller's org's repos, by name",
    request: { query: ReadQuery },
    responses: {
      200: jsonResponse('The repos.', RepoListResource),
      400: INVALID_QUERY,
      401: UNAUTHORIZED,
      500: INTERNAL_ERROR,
    },
  },
  {
    method: 'get',
    path: '/repos/{repoId}',
    operationId: 'getRepo',
    tags: ['repos'],
    summary: 'The stack overview, from the cached projection; never asks git',
    request: { params: RepoPath, query: ReadQuery },
    responses: {
      200: jsonResponse('The repo and its stack.', RepoResource),
      400: INVALID_QUERY,
      401: UNAUTHORIZED,
      404: REPO_NOT_FOUND,
      500: INTERNAL_ERROR,
    },
  },
  {
    method: 'get',
    path: '/repos/{repoId}/history',
    operationId: 'getRepoHistory',
    tags: ['repos'],
    summary: "A repo's timeline, newest first",
    request: { params: RepoPath, query: HistoryQuery },
    responses: {
      200: jsonResponse('A page of the timeline.', HistoryPageResource),
      400: INVALID_QUERY,
      401: UNAUTHORIZED,
      404: REPO_NOT_FOUND,
      500: INTERNAL_ERROR,
    },
  },
];
