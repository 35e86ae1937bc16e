import { z } from 'zod';
import { DELIVERIES_KEPT } from '../../infrastructure/webhooks/delivery-log.port';
import { ReadQuery } from '../read-queries.dto';

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
