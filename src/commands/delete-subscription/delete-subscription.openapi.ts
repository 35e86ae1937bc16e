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

/** `DELETE /subscriptions/{subscriptionId}`, as the API document describes it. */
export const deleteSubscriptionRoutes: RouteConfig[] = [
  {
    method: 'delete',
    path: '/subscriptions/{subscriptionId}',
    operationId: 'deleteSubscription',
    tags: ['subscriptions'],
    summary: 'Stop a subscription for good',
    description:
      'Nothing more is delivered (a delivery in flight is abandoned). Deleting it again answers the same.',
    request: { params: SubscriptionPath },
    // Takes no body; one that is sent is still parsed, hence the 400, 413 and 415.
    responses: {
      200: jsonResponse('The subscription, `deleted`.', SubscriptionResource),
      400: errorResponse('`HTTP.BAD_REQUEST`: a malformed JSON body.'),
      401: UNAUTHORIZED,
      404: errorResponse(
        "`SUBSCRIPTION.NOT_FOUND`: no such subscription in the caller's org.",
      ),
      409: errorResponse(
        '`EVENT_STORE.CONCURRENCY`: other writers kept winning the race.',
      ),
      413: BODY_TOO_LARGE,
      415: UNSUPPORTED_MEDIA_TYPE,
      500: INTERNAL_ERROR,
      503: COMMAND_UNAVAILABLE,
    },
  },
];
