import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  BODY_TOO_LARGE,
  errorResponse,
  INTERNAL_ERROR,
  jsonResponse,
} from '../../infrastructure/http/api-responses.openapi';
import { RepoPath } from '../../infrastructure/http/path-params.dto';
import { HookDeliveryResource } from '../../read-models/repo/hook-delivery.resource';

const NOT_AUTHENTICATED = errorResponse(
  "`HOOK.UNAUTHORIZED`: the credential is missing or wrong, the repo has no webhook secret, its secret cannot be opened (sealed under another `STACKYARD_SECRETS_KEY`; the service logs a warning), or there is no such repo (one answer for all, so repo ids cannot be probed by the answer; an unknown or secretless repo's is given before the body is read). Nothing is recorded.",
);
const BAD_DELIVERY = errorResponse(
  'Nothing is recorded. `HOOK.INVALID_DELIVERY_ID` (the delivery id header is not a UUID), `HOOK.INVALID_EVENT` (the event header is missing or malformed), `HOOK.INVALID_JSON` (the body is not JSON), `HOOK.INVALID_PAYLOAD` (the payload lacks what its event has: `ref`, `before`, `after`, `repository`; `details.issues`).',
);
const OTHER_REPOSITORY = errorResponse(
  "`HOOK.REPOSITORY_MISMATCH`: none of the URLs the payload gives for its repository (GitHub: `clone_url`, `ssh_url`, `git_url`, `html_url`, `svn_url`; GitLab: the project's and repository's `git_http_url`, `git_ssh_url`, `web_url`, `homepage`) names the repo's remote, compared by host and path without `.git` and case (a local path as it is). Nothing is recorded.",
);
const UNAVAILABLE = errorResponse(
  "Redeliver later. `SERVICE.DRAINING` as for every command (nothing recorded). `HOOK.BUSY`: too many hook bodies being received at once (with `Retry-After`, before the body is read; nothing recorded), or too many deliveries for the same sync or branch at once. `STORE.UNAVAILABLE`: the store failed midway; the delivery may have reserved its job, whose request the service then records itself, but the delivery itself is not recorded, so a redelivery is taken as new (and finds that job).",
);
const RESPONSES = {
  200: jsonResponse(
    "A `ping` (outcome `pong`, recorded), or a delivery id received before (`duplicate: true`, with what came of it then; nothing new is recorded or queued), unless the job it queued or rode on failed or was cancelled (then see 202).",
    HookDeliveryResource,
  ),
  202: jsonResponse(
    "A push, recorded with what came of it: a coalesced `sync_repo` or `restack_subtree` job queued (`jobId`), the branch moved in the overview, or nothing (its own publish, a tag, an untracked or deleted branch). Also a redelivery (the same delivery id) whose earlier job failed or was cancelled: decided again, with its new job.",
    HookDeliveryResource,
  ),
  204: {
    description:
      'An event the service does not take (anything but `push` and `ping`): acknowledged, not recorded.',
  },
  400: BAD_DELIVERY,
  401: NOT_AUTHENTICATED,
  413: BODY_TOO_LARGE,
  415: errorResponse(
    "`HOOK.UNSUPPORTED_MEDIA_TYPE`: the body is not `application/json` (a webhook configured with GitHub's default form encoding, say), or there is none; `HTTP.UNSUPPORTED_MEDIA_TYPE`: a media type the service parses for no route. Nothing is recorded.",
  ),
  422: OTHER_REPOSITORY,
  500: INTERNAL_ERROR,
  503: UNAVAILABLE,
};
const ANY_JSON = z
  .record(z.string(), z.unknown())
  .meta({ description: "The forge's payload, as it sends it." });

/** `POST /hooks/github/:repoId` and `/hooks/gitlab/:repoId`, as the API document describes them. */
export const receiveHookRoutes: RouteConfig[] = [
  {
    method: 'post',
    path: '/hooks/github/{repoId}',
    operationId: 'receiveGithubHook',
    tags: ['hooks'],
    summary: "GitHub's push webhook for a repo",
    description:
      'Configure on GitHub: payload URL `<service>/hooks/github/{repoId}`, content type `application/json`, the secret set with `PUT /repos/{repoId}/webhook-secret`, the `push` event. No bearer token: `X-Hub-Signature-256` (the HMAC-SHA256 of the raw body with the secret) is checked first, in constant time. A push to trunk queues `sync_repo`, coalesced (at most one not yet started per repo); a push to a tracked branch that is not what Stackyard last published there moves the branch in the overview and, with `autoRestack`, queues `restack_subtree` for it, coalesced likewise. Never runs git.',
    security: [],
    request: {
      params: RepoPath,
      headers: z.object({
        'X-Hub-Signature-256': z.string().optional().meta({
          description: '`sha256=` and the hex HMAC-SHA256 of the raw body.',
        }),
        'X-GitHub-Delivery': z.string().optional().meta({
          description: "The delivery's UUID: a delivery id is taken once.",
        }),
        'X-GitHub-Event': z
          .string()
          .optional()
          .meta({ description: '`push` or `ping`; other events get 204.' }),
      }),
      body: {
        required: true,
        content: { 'application/json': { schema: ANY_JSON } },
      },
    },
    responses: RESPONSES,
  },
  {
    method: 'post',
    path: '/hooks/gitlab/{repoId}',
    operationId: 'receiveGitlabHook',
    tags: ['hooks'],
    summary: "GitLab's push hook for a repo",
    description:
      "As the GitHub route, for a GitLab project hook with the repo's webhook secret as its secret token (`X-Gitlab-Token`, compared in constant time) and push events: `Push Hook` is a push, other events get 204; GitLab has no ping.",
    security: [],
    request: {
      params: RepoPath,
      headers: z.object({
        'X-Gitlab-Token': z.string().optional(),
        'X-Gitlab-Event-UUID': z.string().optional().meta({
          description:
            "The delivery's UUID, when no `Idempotency-Key` is sent: a delivery id is taken once.",
        }),
        'Idempotency-Key': z.string().optional().meta({
          description:
            'GitLab 17.4 and later: a UUID that stays the same on every retry of a delivery; the delivery id when present.',
        }),
        'X-Gitlab-Event': z.string().optional(),
      }),
      body: {
        required: true,
        content: { 'application/json': { schema: ANY_JSON } },
      },
    },
    responses: RESPONSES,
  },
];
