import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import {
  errorResponse,
  INTERNAL_ERROR,
  INVALID_QUERY,
  jsonResponse,
  UNAUTHORIZED,
} from '../../infrastructure/http/api-responses.openapi';
import { SubscriptionPath } from '../../infrastructure/http/path-params.dto';
import { ReadQuery } from '../read-queries.dto';
import {
  DeliveriesQuery,
  SubscriptionsQuery,
} from './subscription.queries.dto';
import {
  DeliveryListResource,
  SubscriptionListResource,
  SubscriptionResource,
} from './subscription.resource';

const NOT_FOUND = errorResponse(
  "`SUBSCRIPTION.NOT_FOUND`: no such subscription in the caller's org.",
);

/** The routes of `SubscriptionController`, as the API document describes them. */
export const subscriptionRoutes: RouteConfig[] = [
  {
    method: 'get',
    path: '/subscriptions',
    operationId: 'listSubscriptions',
    tags: ['subscriptions'],
    summary: "The org's outbound webhooks, newest first (at most `limit`)",
    request: { query: SubscriptionsQuery },
    responses: {
      200: jsonResponse('The subscriptions.', SubscriptionListResource),
      400: INVALID_QUERY,
      401: UNAUTHORIZED,
      500: INTERNAL_ERROR,
    },
  },
  {
    method: 'get',
    path: '/subscriptions/{subscriptionId}',
    operationId: 'getSubscription',
    tags: ['subscriptions'],
    summary: 'A subscription and where its delivery stands',
    request: { params: SubscriptionPath, query: ReadQuery },
    responses: {
      200: jsonResponse('The subscription.', SubscriptionResource),
      400: INVALID_QUERY,
      401: UNAUTHORIZED,
      404: NOT_FOUND,
      500: INTERNAL_ERROR,
    },
  },
  {
    method: 'get',
    path: '/subscriptions/{subscriptionId}/deliveries',
    operationId: 'listSubscriptionDeliveries',
    tags: ['subscriptions'],
    summary: "A subscription's newest delivery attempts",
    description:
      'Attempts are operational data the delivery worker keeps (the newest 100 per subscription), not events.',
    request: { params: SubscriptionPath, query: DeliveriesQuery },
    responses: {
      200: jsonResponse('The attempts, newest first.', DeliveryListResource),
      400: INVALID_QUERY,
      401: UNAUTHORIZED,
      404: NOT_FOUND,
      500: INTERNAL_ERROR,
    },
  },
];
