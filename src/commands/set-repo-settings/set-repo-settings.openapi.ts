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
import { RepoPath } from '../../infrastructure/http/path-params.dto';
import { RepoSettingsResource } from '../../read-models/repo/repo-settings.resource';
import { SetRepoSettingsBody } from './set-repo-settings.dto';

/** `PUT /repos/:repoId/settings`, as the API document describes it. */
export const setRepoSettingsRoutes: RouteConfig[] = [
  {
    method: 'put',
    path: '/repos/{repoId}/settings',
    operationId: 'setRepoSettings',
    tags: ['repos'],
    summary: "Set the repo's `autoRestack`",
    description:
      'Recorded as `RepoAutoRestackSet` when it changes; the same value again records nothing.',
    request: {
      params: RepoPath,
      body: {
        required: true,
        content: { 'application/json': { schema: SetRepoSettingsBody } },
      },
    },
    responses: {
      200: jsonResponse("The repo's settings.", RepoSettingsResource),
      400: errorResponse(
        '`HTTP.BAD_REQUEST` (malformed JSON), `REQUEST.INVALID` (the body fails its schema).',
      ),
      401: UNAUTHORIZED,
      404: errorResponse("`REPO.NOT_FOUND`: no such repo in the caller's org."),
      409: errorResponse(
        '`EVENT_STORE.CONCURRENCY`: other writers to the repo kept winning the race; retry.',
      ),
      413: BODY_TOO_LARGE,
      415: UNSUPPORTED_MEDIA_TYPE,
      500: INTERNAL_ERROR,
      503: COMMAND_UNAVAILABLE,
    },
  },
];
