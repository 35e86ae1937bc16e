import { z } from 'zod';
import {
  SECRET_MAX_LENGTH,
  SECRET_MIN_LENGTH,
} from '../../domain/subscription/subscription.request';

/** Body of `POST /subscriptions`. The URL, types and secret are checked by the domain's rules. */
export const CreateSubscriptionBody = z
  .strictObject({
    url: z.string().max(2048).meta({
      description:
        "Where deliveries are POSTed: http or https, no credentials, no query, a host (and port) of the service's allow-list (`STACKYARD_WEBHOOK_HOSTS`).",
    }),
    repoId: z.string().max(200).nullable().optional().meta({
      description: "Only this repo's events; all of the org's when absent.",
    }),
    eventTypes: z
      .array(z.string().max(100))
      .max(100)
      .nullable()
      .optional()
      .meta({
        description:
          'Only these event types (names of the event catalogue); every type when absent.',
      }),
    secret: z
      .string()
      .max(1000)
      .optional()
      .meta({
        description: `The signing secret, ${SECRET_MIN_LENGTH} to ${SECRET_MAX_LENGTH} visible ASCII characters. Leave it out and the service makes one and answers it once, in the 201.`,
      }),
  })
  .meta({ id: 'CreateSubscriptionRequest' });
