import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import {
  COMMAND_UNAVAILABLE,
  errorResponse,
  INTERNAL_ERROR,
  jsonResponse,
  UNAUTHORIZED,
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
    responses: {
      200: jsonResponse('The subscription, `deleted`.', SubscriptionResource),
      401: UNAUTHORIZED,
      404: errorResponse(
        "`SUBSCRIPTION.NOT_FOUND`: no such subscription in the caller's org.",
      ),
      409: errorResponse(
        '`EVENT_STORE.CONCURRENCY`: other writers kept winning the race.',
      ),
      500: INTERNAL_ERROR,
      503: COMMAND_UNAVAILABLE,
    },
  },
];
