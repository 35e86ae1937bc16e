import { z } from 'zod';
import { DELIVERIES_KEPT } from '../../infrastructure/webhooks/delivery-log.port';
import { ReadQuery } from '../read-queries.dto';

/** The most subscriptions one list answers. */
export const SUBSCRIPTIONS_LISTED = 100;

/** Query of `GET /subscriptions`: the newest first, at most `limit`. */
export const SubscriptionsQuery = ReadQuery.extend({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(SUBSCRIPTIONS_LISTED)
    .default(SUBSCRIPTIONS_LISTED)
    .meta({
      description: `How many of the newest subscriptions, deleted ones included (at most ${SUBSCRIPTIONS_LISTED}; an org has at most STACKYARD_WEBHOOK_MAX_PER_ORG that are not deleted).`,
    }),
});

/** Query of `GET /subscriptions/:id/deliveries`. */
export const DeliveriesQuery = ReadQuery.extend({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(DELIVERIES_KEPT)
    .default(50)
    .meta({
      description: `How many of the newest attempts (the service keeps the last ${DELIVERIES_KEPT}).`,
    }),
});
