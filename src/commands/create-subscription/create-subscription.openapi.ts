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
import { CreatedSubscriptionResource } from '../../read-models/subscription/subscription.resource';
import { IdempotencyKeyHeader } from '../idempotency';
import { CreateSubscriptionBody } from './create-subscription.dto';

/** `POST /subscriptions`, as the API document describes it. */
export const createSubscriptionRoutes: RouteConfig[] = [
  {
    method: 'post',
    path: '/subscriptions',
    operationId: 'createSubscription',
    tags: ['subscriptions'],
    summary: "Subscribe a URL to the org's events (an outbound webhook)",
    description:
      "Every event of the caller's org (narrowed by `repoId` and `eventTypes`) recorded after this is POSTed to `url`, in order, at least once, signed with `X-Stackyard-Signature`; failures are retried with backoff, and a subscription failing for longer than the service's bound is paused. See the README's \"Outbound webhooks\".",
    request: {
      headers: z.object({
        'Idempotency-Key': IdempotencyKeyHeader.optional(),
      }),
      body: {
        required: true,
        content: { 'application/json': { schema: CreateSubscriptionBody } },
      },
    },
    responses: {
      200: jsonResponse(
        'The subscription an earlier request with the same `Idempotency-Key` made (with its secret if the service made it).',
        CreatedSubscriptionResource,
        'The subscription: `/subscriptions/{subscriptionId}`.',
      ),
      201: jsonResponse(
        'Created: the subscription, with `secret` when the service made it (shown this once).',
        CreatedSubscriptionResource,
        'The subscription: `/subscriptions/{subscriptionId}`.',
      ),
      400: errorResponse(
        'Nothing was recorded. `HTTP.BAD_REQUEST` (malformed JSON), `REQUEST.INVALID` (the body or the `Idempotency-Key` header fails its schema), `SUBSCRIPTION.INVALID_URL` (not http or https, credentials, a query or a fragment in it), `SUBSCRIPTION.HOST_NOT_ALLOWED` (the host and port are not in `STACKYARD_WEBHOOK_HOSTS`), `SUBSCRIPTION.INVALID_EVENT_TYPE`, `SUBSCRIPTION.INVALID_SECRET`.',
      ),
      401: UNAUTHORIZED,
      404: errorResponse(
        "`REPO.NOT_FOUND`: `repoId` names no repo of the caller's org.",
      ),
      409: errorResponse(
        '`SUBSCRIPTION.LIMIT_REACHED`: the org has `STACKYARD_WEBHOOK_MAX_PER_ORG` subscriptions that are not deleted (`details.limit`); nothing was recorded. `EVENT_STORE.CONCURRENCY`: other writers kept winning the race.',
      ),
      413: BODY_TOO_LARGE,
      415: UNSUPPORTED_MEDIA_TYPE,
      422: errorResponse(
        '`IDEMPOTENCY.KEY_REUSED`: the key made a subscription for a different request (`details.subscriptionId`).',
      ),
      500: INTERNAL_ERROR,
      503: errorResponse(
        `${COMMAND_UNAVAILABLE.description} \`SECRETS.NOT_CONFIGURED\`: instances share a database without \`STACKYARD_SECRETS_KEY\`, so no secret can be kept.`,
      ),
    },
  },
];
