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
import { SubscriptionPath } from '../../infrastructure/http/path-params.dto';
import { SubscriptionResource } from '../../read-models/subscription/subscription.resource';

/** `POST /subscriptions/{subscriptionId}/resume`, as the API document describes it. */
export const resumeSubscriptionRoutes: RouteConfig[] = [
  {
    method: 'post',
    path: '/subscriptions/{subscriptionId}/resume',
    operationId: 'resumeSubscription',
    tags: ['subscriptions'],
    summary: 'Resume a paused subscription',
    description:
      'Delivery goes on from the checkpoint, with the event that could not be delivered first: nothing is skipped. Resuming an active subscription answers the same.',
    request: { params: SubscriptionPath },
    // Takes no body; one that is sent is still parsed, hence the 400, 413 and 415.
    responses: {
      200: jsonResponse('The subscription, `active`.', SubscriptionResource),
      400: errorResponse('`HTTP.BAD_REQUEST`: a malformed JSON body.'),
      401: UNAUTHORIZED,
      404: errorResponse(
        "`SUBSCRIPTION.NOT_FOUND`: no such subscription in the caller's org.",
      ),
      409: errorResponse(
        '`SUBSCRIPTION.DELETED`: a deleted subscription is not resumed; `EVENT_STORE.CONCURRENCY`: other writers kept winning the race.',
      ),
      413: BODY_TOO_LARGE,
      415: UNSUPPORTED_MEDIA_TYPE,
      500: INTERNAL_ERROR,
      503: COMMAND_UNAVAILABLE,
    },
  },
];
