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
import { SetWebhookSecretBody } from './set-webhook-secret.dto';

const REPO_NOT_FOUND = errorResponse(
  "`REPO.NOT_FOUND`: no such repo in the caller's org.",
);
const SECRETS_UNAVAILABLE = errorResponse(
  'Nothing was recorded. `SECRETS.NOT_CONFIGURED`: the service runs on a shared database without `STACKYARD_SECRETS_KEY`, so it keeps no secrets; `SERVICE.DRAINING`, `STORE.UNAVAILABLE` as for every command.',
);

/** `PUT` and `DELETE /repos/:repoId/webhook-secret`, as the API document describes them. */
export const setWebhookSecretRoutes: RouteConfig[] = [
  {
    method: 'put',
    path: '/repos/{repoId}/webhook-secret',
    operationId: 'setWebhookSecret',
    tags: ['repos'],
    summary: "Set or replace the repo's webhook secret",
    description:
      'The secret the forge signs its deliveries to `POST /hooks/github/{repoId}` with (or sends as `X-Gitlab-Token`). It is kept sealed (AES-256-GCM, bound to the repo) and never answered by any read: the repo shows `webhookSecretSet`.',
    request: {
      params: RepoPath,
      body: {
        required: true,
        content: { 'application/json': { schema: SetWebhookSecretBody } },
      },
    },
    responses: {
      200: jsonResponse('The secret is set.', RepoSettingsResource),
      400: errorResponse(
        '`HTTP.BAD_REQUEST` (malformed JSON), `REQUEST.INVALID` (the body fails its schema), `REPO.INVALID_WEBHOOK_SECRET` (not 16 to 256 visible ASCII characters).',
      ),
      401: UNAUTHORIZED,
      404: REPO_NOT_FOUND,
      409: errorResponse(
        '`EVENT_STORE.CONCURRENCY`: other writers to the repo kept winning the race; retry.',
      ),
      413: BODY_TOO_LARGE,
      415: UNSUPPORTED_MEDIA_TYPE,
      500: INTERNAL_ERROR,
      503: SECRETS_UNAVAILABLE,
    },
  },
  {
    method: 'delete',
    path: '/repos/{repoId}/webhook-secret',
    operationId: 'removeWebhookSecret',
    tags: ['repos'],
    summary:
      "Remove the repo's webhook secret; its hooks are refused from then on",
    description:
      'Removing a secret the repo does not have changes nothing and answers the same. Takes no body; one that is sent is still parsed, hence the 400, 413 and 415.',
    request: { params: RepoPath },
    responses: {
      200: jsonResponse('The repo has no secret.', RepoSettingsResource),
      400: errorResponse('`HTTP.BAD_REQUEST`: a malformed JSON body.'),
      401: UNAUTHORIZED,
      404: REPO_NOT_FOUND,
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
