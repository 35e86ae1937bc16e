import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import {
  BODY_TOO_LARGE,
  errorResponse,
  INTERNAL_ERROR,
  jsonResponse,
  UNAUTHORIZED,
  UNSUPPORTED_MEDIA_TYPE,
} from '../../infrastructure/http/api-responses.openapi';
import { RegisteredRepoResource } from '../../read-models/repo/repo.resource';
import { RegisterRepoBody } from './register-repo.dto';

/** `POST /repos`, as the API document describes it. */
export const registerRepoRoutes: RouteConfig[] = [
  {
    method: 'post',
    path: '/repos',
    operationId: 'registerRepo',
    tags: ['repos'],
    summary: 'Register a repo; its first `sync_repo` job clones it',
    request: {
      body: {
        required: true,
        content: { 'application/json': { schema: RegisterRepoBody } },
      },
    },
    responses: {
      202: jsonResponse(
        'Registered: the repo as the read model will show it, and `initialJobId`, the job that clones it.',
        RegisteredRepoResource,
        'The repo: `/repos/{repoId}`.',
      ),
      400: errorResponse(
        '`HTTP.BAD_REQUEST` (malformed JSON), `REQUEST.INVALID` (the body fails its schema), `REPO.INVALID_NAME`, `REPO.INVALID_REMOTE_URL`, `BRANCH.INVALID_NAME` (the trunk), `REPO.INVALID_WEBHOOK_SECRET` (not 16 to 256 visible ASCII characters).',
      ),
      401: UNAUTHORIZED,
      409: errorResponse(
        '`REPO.ALREADY_REGISTERED`: the org has a repo of that name (`details.repoId`).',
      ),
      413: BODY_TOO_LARGE,
      415: UNSUPPORTED_MEDIA_TYPE,
      500: INTERNAL_ERROR,
      503: errorResponse(
        'Nothing was recorded; retry later. `SERVICE.DRAINING`, `STORE.UNAVAILABLE` as for every command; `SECRETS.NOT_CONFIGURED` when a `webhookSecret` is given to a service on a shared database without `STACKYARD_SECRETS_KEY`.',
      ),
    },
  },
];
